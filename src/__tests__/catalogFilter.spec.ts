import {
  availableSizes,
  DEFAULT_CATALOG_FILTER,
  filterCatalog,
  ICatalogFilter,
  matchesQuery,
  tokenize
} from '../models/catalogFilter';
import { MODELS } from './fixtures';

const ids = (filter: Partial<ICatalogFilter>): string[] =>
  filterCatalog(MODELS, { ...DEFAULT_CATALOG_FILTER, ...filter }).map(
    m => m.id
  );

const P = 'meta-textgenerationneuron-llama-2-';

describe('catalog search', () => {
  it('"13b" returns exactly the two 13B models', () => {
    expect(ids({ query: '13b' })).toEqual([`${P}13b`, `${P}13b-f`]);
  });

  it('is case-insensitive', () => {
    expect(ids({ query: '13B' })).toEqual([`${P}13b`, `${P}13b-f`]);
    expect(ids({ query: 'LLAMA' })).toHaveLength(6);
  });

  it('"7b" does not match the 70B models', () => {
    expect(ids({ query: '7b' })).toEqual([`${P}7b`, `${P}7b-f`]);
  });

  it('"llama" and "neuron" match the whole catalog', () => {
    expect(ids({ query: 'llama' })).toHaveLength(6);
    expect(ids({ query: 'neuron' })).toHaveLength(6);
  });

  it('"chat" returns the chat models only, "base" the others', () => {
    expect(ids({ query: 'chat' })).toEqual([
      `${P}7b-f`,
      `${P}13b-f`,
      `${P}70b-f`
    ]);
    expect(ids({ query: 'base' })).toEqual([`${P}7b`, `${P}13b`, `${P}70b`]);
  });

  it('ANDs tokens', () => {
    expect(ids({ query: '13b chat' })).toEqual([`${P}13b-f`]);
    expect(ids({ query: '  llama   70b  base ' })).toEqual([`${P}70b`]);
    expect(ids({ query: 'chat base' })).toEqual([]);
  });

  it('matches keywords, ids and display names', () => {
    expect(ids({ query: 'inferentia2' })).toHaveLength(6);
    expect(ids({ query: 'llama-2-13b-f' })).toEqual([`${P}13b-f`]);
    expect(ids({ query: 'llama-2-70b-chat' })).toEqual([`${P}70b-f`]);
  });

  it('an empty query matches everything, an unknown word nothing', () => {
    expect(ids({ query: '' })).toHaveLength(6);
    expect(ids({ query: 'mistral' })).toEqual([]);
  });

  it('tokenize splits on whitespace and lower-cases', () => {
    expect(tokenize('  Llama\t13B\nchat ')).toEqual(['llama', '13b', 'chat']);
    expect(matchesQuery(MODELS[0], '   ')).toBe(true);
  });
});

describe('catalog filters', () => {
  it('filters by size', () => {
    expect(ids({ size: '70B' })).toEqual([`${P}70b`, `${P}70b-f`]);
    expect(ids({ size: '13B' })).toEqual([`${P}13b`, `${P}13b-f`]);
  });

  it('filters by kind', () => {
    expect(ids({ kind: 'chat' })).toEqual([
      `${P}7b-f`,
      `${P}13b-f`,
      `${P}70b-f`
    ]);
    expect(ids({ kind: 'base' })).toEqual([`${P}7b`, `${P}13b`, `${P}70b`]);
  });

  it('filters fine-tunable models', () => {
    expect(ids({ fineTunableOnly: true })).toEqual([`${P}7b`, `${P}13b`]);
  });

  it('combines filters and query', () => {
    expect(ids({ size: '13B', fineTunableOnly: true })).toEqual([`${P}13b`]);
    expect(ids({ query: 'llama', kind: 'chat', size: '7B' })).toEqual([
      `${P}7b-f`
    ]);
    expect(ids({ query: 'chat', fineTunableOnly: true })).toEqual([]);
  });

  it('lists the sizes present, smallest first', () => {
    expect(availableSizes([...MODELS].reverse())).toEqual(['7B', '13B', '70B']);
  });
});
