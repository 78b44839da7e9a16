/**
 * Catalog search and filters (pure functions, no UI).
 *
 * A query is split into whitespace-separated tokens; every token must match (AND), case-insensitively.
 * A token matches a model when it occurs in its id, display name, keywords or parameter count, or when it
 * names its kind ("chat" / "base"). A size token such as "13b" matches exactly that size, so "13b" never
 * matches a 113B model.
 */
import { IModelSummary } from '../api/types';

export type KindFilter = 'all' | 'chat' | 'base';

export interface ICatalogFilter {
  /** Free text, e.g. "llama 13b chat". */
  query: string;
  /** "all" or a `params` value such as "13B". */
  size: string;
  kind: KindFilter;
  fineTunableOnly: boolean;
}

export const DEFAULT_CATALOG_FILTER: ICatalogFilter = {
  query: '',
  size: 'all',
  kind: 'all',
  fineTunableOnly: false
};

const SIZE_TOKEN = /^(\d+(?:\.\d+)?)b$/;

/** Lower-case, whitespace-separated tokens of a query. */
export function tokenize(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .map(token => token.trim())
    .filter(token => token.length > 0);
}

/** The kind of a model as the word users search for. */
export function modelKind(model: IModelSummary): 'chat' | 'base' {
  return model.chat ? 'chat' : 'base';
}

/** The text a free-text token is matched against. */
export function searchableText(model: IModelSummary): string {
  return [
    model.id,
    model.display_name,
    model.params,
    `${model.size_b}b`,
    ...(model.keywords ?? [])
  ]
    .join('\n')
    .toLowerCase();
}

function sizeMatches(model: IModelSummary, size: string): boolean {
  const wanted = size.toLowerCase();
  return model.params.toLowerCase() === wanted || `${model.size_b}b` === wanted;
}

/** Whether one (lower-case) token matches a model. */
export function tokenMatches(model: IModelSummary, token: string): boolean {
  if (token === 'chat' || token === 'base') {
    return modelKind(model) === token;
  }
  if (SIZE_TOKEN.test(token)) {
    return sizeMatches(model, token);
  }
  return searchableText(model).includes(token);
}

/** Whether a model matches every token of the query. */
export function matchesQuery(model: IModelSummary, query: string): boolean {
  return tokenize(query).every(token => tokenMatches(model, token));
}

/** Whether a model passes the filter controls (not the query). */
export function matchesFilters(
  model: IModelSummary,
  filter: ICatalogFilter
): boolean {
  if (filter.size !== 'all' && !sizeMatches(model, filter.size)) {
    return false;
  }
  if (filter.kind !== 'all' && modelKind(model) !== filter.kind) {
    return false;
  }
  if (filter.fineTunableOnly && !model.fine_tunable) {
    return false;
  }
  return true;
}

/** The models shown for a query and filters, in catalog order. */
export function filterCatalog(
  models: readonly IModelSummary[],
  filter: ICatalogFilter
): IModelSummary[] {
  return models.filter(
    model => matchesFilters(model, filter) && matchesQuery(model, filter.query)
  );
}

/** The sizes present in the catalog ("7B", "13B", "70B"), smallest first. */
export function availableSizes(models: readonly IModelSummary[]): string[] {
  const seen = new Map<string, number>();
  for (const model of models) {
    if (!seen.has(model.params)) {
      seen.set(model.params, model.size_b);
    }
  }
  return [...seen.entries()].sort((a, b) => a[1] - b[1]).map(entry => entry[0]);
}
