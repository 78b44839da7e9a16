/**
 * Issue 12, defect 4: the token histogram's x labels never overlap, and the loss curve's step axis has
 * integer ticks only.
 */
import { nullTranslator } from '@jupyterlab/translation';

import { IHistogramBin } from '../api/types';
import {
  histogramLabels,
  integerDomain,
  integerTicks,
  LABEL_CHAR_WIDTH
} from '../models/plotScales';
import { exampleParametersText, finishReasonText } from '../models/plainWords';
import { endpointOptionLabel } from '../models/endpointStatus';
import { acceptCards, acceptSummaries } from '../models/eulaRecords';
import { LOADING, ready } from '../models/loadable';
import { card13b, MODELS } from './fixtures';

const trans = nullTranslator.load('jupyter_llama_neuron');

/** The bins of today's server for max_input_length 2048: 8 × 256 tokens, then the truncated bin. */
function fixedBins(): IHistogramBin[] {
  const bins: IHistogramBin[] = [];
  for (let i = 0; i < 8; i++) {
    bins.push({
      min: i * 256 + 1,
      max: (i + 1) * 256,
      count: 1,
      truncated: false
    });
  }
  bins.push({ min: 2049, max: null, count: 0, truncated: true });
  return bins;
}

function overlaps(labels: { x: number; text: string }[]): boolean {
  const sorted = [...labels].sort((a, b) => a.x - b.x);
  return sorted.some((label, i) => {
    if (i === 0) {
      return false;
    }
    const previous = sorted[i - 1];
    const room = label.x - previous.x;
    const needed =
      ((label.text.length + previous.text.length) * LABEL_CHAR_WIDTH) / 2;
    return room < needed;
  });
}

describe('histogramLabels', () => {
  it('labels bin edges and the truncated bin without overlap', () => {
    const labels = histogramLabels(fixedBins(), 460);
    expect(overlaps(labels)).toBe(false);
    expect(labels[0]).toEqual({ x: 0, text: '0' });
    expect(labels.map(label => label.text)).toContain('> 2048');
    expect(labels.map(label => label.text)).toContain('256');
  });

  it('never overlaps, however many and however wide the bins', () => {
    for (const width of [120, 200, 460]) {
      for (const count of [1, 3, 8, 20]) {
        const bins: IHistogramBin[] = Array.from({ length: count }, (_, i) => ({
          min: i * 12345 + 1,
          max: (i + 1) * 12345,
          count: 1,
          truncated: false
        }));
        bins.push({
          min: count * 12345 + 1,
          max: null,
          count: 0,
          truncated: true
        });
        const labels = histogramLabels(bins, width);
        expect(overlaps(labels)).toBe(false);
        expect(labels.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('integer step axis', () => {
  it('has whole-number ticks for a short run (never 1.2, 1.4…)', () => {
    const [low, high] = integerDomain(1, 3, 6);
    const ticks = integerTicks(low, high, 6);
    expect(ticks.every(Number.isInteger)).toBe(true);
    expect(ticks).toEqual(expect.arrayContaining([1, 2, 3]));
  });

  it('gives a one-step run a domain with integer ticks', () => {
    const [low, high] = integerDomain(5, 5, 6);
    expect(high - low).toBeGreaterThanOrEqual(2);
    expect(integerTicks(low, high, 6).every(Number.isInteger)).toBe(true);
    expect(integerTicks(low, high, 6)).toContain(5);
  });

  it('keeps round steps for long runs', () => {
    const [low, high] = integerDomain(1, 1000, 6);
    expect(integerTicks(low, high, 6)).toEqual([0, 200, 400, 600, 800, 1000]);
  });
});

describe('plain words', () => {
  it('describes example settings in words', () => {
    expect(
      exampleParametersText(
        { max_new_tokens: 64, top_p: 0.9, temperature: 0.6 },
        trans
      )
    ).toBe('Up to 64 new tokens · top_p 0.9 · temperature 0.6');
    expect(exampleParametersText({}, trans)).toBe('');
  });

  it('says why an answer ended', () => {
    expect(finishReasonText('length', trans)).toBe(
      'stopped at the token limit (max_new_tokens)'
    );
    expect(finishReasonText('something_new', trans)).toBe('something_new');
  });

  it('names fine-tuned endpoints as such in the menus', () => {
    expect(
      endpointOptionLabel(
        {
          name: 'tiny-ft-1',
          model_display_name: 'Llama-2-7b (Neuron)',
          training_job: 'tiny-ft-1',
          backend: 'local',
          instance_type: null,
          config: null
        },
        trans
      )
    ).toBe('tiny-ft-1 — fine-tuned Llama-2-7b (Neuron) (local)');
  });
});

describe('one acceptance for all Llama 2 models', () => {
  it('marks every covered card and catalog entry accepted, each with its own record', () => {
    const record = {
      model_id: MODELS[0].id,
      eula_url: 'e',
      aup_url: 'a',
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me',
      covers: [MODELS[0].id, card13b().id]
    };
    const cards = acceptCards(
      { [card13b().id]: ready(card13b()), other: LOADING },
      record
    );
    const card = cards[card13b().id];
    expect(card.kind === 'ready' && card.value.eula).toEqual({
      model_id: card13b().id,
      eula_url: 'e',
      aup_url: 'a',
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me'
    });
    expect(cards.other).toBe(LOADING);
    const summaries = acceptSummaries(MODELS, record);
    expect(
      summaries.filter(model => model.eula_accepted).map(m => m.id)
    ).toEqual([MODELS[0].id, card13b().id]);
    // Without covers: only the one model.
    const single = acceptSummaries(MODELS, { ...record, covers: undefined });
    expect(single.filter(model => model.eula_accepted)).toHaveLength(1);
  });
});
