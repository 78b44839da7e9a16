import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import { IHistogramBin, ILossPoint, IPreflightReport } from '../api/types';
import { LossCurve } from '../components/LossCurve';
import { PreflightReport } from '../components/PreflightReport';
import { TokenHistogram } from '../components/TokenHistogram';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, trainingJobsFor, RULES } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

function services(): IPanelServices {
  return {
    api: {} as IApiClient,
    rules: RULES,
    trainingJobs: trainingJobsFor({}),
    endpoints: new EndpointsModel({
      source: {
        listEndpoints: async () => ({ endpoints: [] }),
        getEndpoint: async () => endpoint('x', 'InService')
      }
    }),
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null
  };
}

class Host extends ReactWidget {
  constructor(private _element: JSX.Element) {
    super();
  }
  set element(value: JSX.Element) {
    this._element = value;
    this.update();
  }
  protected render(): JSX.Element {
    return (
      <PanelContext.Provider value={services()}>
        {this._element}
      </PanelContext.Provider>
    );
  }
}

async function mount(element: JSX.Element): Promise<Host> {
  const widget = new Host(element);
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

async function rerender(widget: Host, element: JSX.Element): Promise<void> {
  await act(async () => {
    widget.element = element;
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
}

/** The bins the server sends for max_input_length 2048: 8 ranges, then the truncated bin. */
function bins(): IHistogramBin[] {
  const result: IHistogramBin[] = [];
  for (let i = 0; i < 8; i++) {
    result.push({
      min: i * 256 + 1,
      max: (i + 1) * 256,
      count: [40, 25, 10, 5, 0, 2, 1, 0][i],
      truncated: false
    });
  }
  result.push({ min: 2049, max: null, count: 3, truncated: true });
  return result;
}

function losses(count: number): ILossPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    step: i + 1,
    loss: 1.39 - (i * 1.36) / Math.max(1, count - 1),
    timestamp: `2024-01-17T10:${String(i).padStart(2, '0')}:00Z`
  }));
}

describe('TokenHistogram', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('draws one bar per bin, marks the truncated bin and max_input_length', async () => {
    const widget = await mount(
      <TokenHistogram
        bins={bins()}
        maxInputLength={2048}
        truncatedShare={0.0349}
        truncatedRecords={3}
        method="exact"
      />
    );
    const root = widget.node.querySelector(
      '[data-testid="llama-neuron-token-histogram"]'
    )!;
    const bars = root.querySelectorAll('rect.jp-LlamaNeuron-plot-bar');
    expect(bars).toHaveLength(9);
    expect(
      root.querySelectorAll('rect.jp-LlamaNeuron-plot-bar.jp-mod-truncated')
    ).toHaveLength(1);
    expect(bars[0].getAttribute('data-count')).toBe('40');
    // The tallest bar is taller than a smaller one; an empty bin has no height.
    const height = (i: number): number =>
      Number(bars[i].getAttribute('height'));
    expect(height(0)).toBeGreaterThan(height(1));
    expect(height(4)).toBe(0);
    const marker = root.querySelector(
      '[data-testid="llama-neuron-token-histogram-marker"]'
    )!;
    // The marker sits where the truncated bin starts (8 of 9 slots).
    expect(Number(marker.getAttribute('x1'))).toBeCloseTo((460 * 8) / 9, 3);
    expect(root.textContent).toContain('max_input_length 2048');
    expect(root.textContent).toContain('3.5%');
    expect(root.textContent).toContain('exact Llama 2 token counts');
    await act(async () => widget.dispose());
  });

  it('says "estimate" when the counts are estimated', async () => {
    const widget = await mount(
      <TokenHistogram
        bins={bins()}
        maxInputLength={2048}
        truncatedShare={0}
        truncatedRecords={0}
        method="estimate"
      />
    );
    expect(widget.node.textContent).toContain('Token counts: estimate');
    await act(async () => widget.dispose());
  });
});

describe('LossCurve', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('draws one point per loss value, axes with ticks, and a text summary', async () => {
    const widget = await mount(<LossCurve points={losses(25)} />);
    const root = widget.node.querySelector(
      '[data-testid="llama-neuron-loss-curve"]'
    )!;
    expect(
      root.querySelectorAll('circle.jp-LlamaNeuron-plot-point')
    ).toHaveLength(25);
    const path = root.querySelector('path.jp-LlamaNeuron-plot-line')!;
    expect(path.getAttribute('d')!.split(/[ML]/).filter(Boolean)).toHaveLength(
      25
    );
    expect(root.textContent).toContain('loss 1.39 → 0.03 over 25 steps');
    expect(root.textContent).toContain('step');
    expect(root.textContent).toContain('training loss');
    expect(
      root.querySelectorAll('text.jp-LlamaNeuron-plot-label').length
    ).toBeGreaterThan(6);
    const svg = root.querySelector('svg')!;
    expect(svg.getAttribute('role')).toBe('img');
    await act(async () => widget.dispose());
  });

  it('grows live as polling brings more points', async () => {
    const widget = await mount(<LossCurve points={losses(3)} live={true} />);
    const count = (): number =>
      widget.node.querySelectorAll('circle.jp-LlamaNeuron-plot-point').length;
    expect(count()).toBe(3);
    await rerender(widget, <LossCurve points={losses(12)} live={true} />);
    expect(count()).toBe(12);
    expect(
      widget.node.querySelector('[data-testid="llama-neuron-loss-summary"]')!
        .textContent
    ).toContain('over 12 steps');
    await act(async () => widget.dispose());
  });

  it('waits for the first value without drawing an empty chart', async () => {
    const widget = await mount(
      <LossCurve points={[]} live={true} note="Metrics arrive each minute." />
    );
    expect(widget.node.querySelector('svg')).toBeNull();
    expect(widget.node.textContent).toContain('Waiting for the first loss');
    expect(widget.node.textContent).toContain('Metrics arrive each minute.');
    await act(async () => widget.dispose());
  });
});

describe('PreflightReport', () => {
  it('lists errors with line numbers and hints, samples, and the histogram', async () => {
    const report: IPreflightReport = {
      ok: false,
      dataset_format: 'instruction',
      template: '{instruction}\n{response}',
      lines: 90,
      records: 86,
      train_records: 86,
      holdout: 0,
      skipped_blank_lines: 1,
      error_count: 3,
      errors: [
        {
          line: 7,
          byte_offset: 1024,
          code: 'InvalidJSON',
          message: 'Line 7 is not valid JSON.',
          hint: 'Each line must be one JSON object.'
        },
        {
          line: 9,
          byte_offset: 2000,
          code: 'MissingField',
          message: 'Line 9 has no "response" field.',
          hint: 'Add "response".'
        }
      ],
      errors_truncated: true,
      samples: [1, 2, 3].map(line => ({
        line,
        text: `Sample ${line}`,
        tokens: 12 * line
      })),
      token_count_method: 'exact',
      token_count_note: 'Counted with the Llama 2 tokenizer.',
      max_input_length: 2048,
      token_stats: {
        min: 5,
        max: 3000,
        mean: 300,
        p50: 200,
        p95: 900,
        total: 1
      },
      histogram: bins(),
      truncated_records: 3,
      truncated_share: 0.0349,
      heldout_prompts: [],
      heldout_suggestion: { count: 8, note: 'Hold out the last 8 records.' },
      source: { kind: 'pasted', filename: 'train.jsonl' }
    };
    const onUse = jest.fn();
    const widget = await mount(
      <PreflightReport report={report} onUseHoldoutSuggestion={onUse} />
    );
    const errors = widget.node.querySelector(
      '[data-testid="llama-neuron-preflight-errors"]'
    )!;
    const rows = errors.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0].getAttribute('data-line')).toBe('7');
    expect(rows[0].textContent).toContain('Each line must be one JSON object.');
    expect(errors.textContent).toContain('the first 2 of 3');
    expect(
      widget.node.querySelectorAll(
        '[data-testid="llama-neuron-preflight-sample"]'
      )
    ).toHaveLength(3);
    expect(
      widget.node.querySelector('[data-testid="llama-neuron-token-histogram"]')
    ).not.toBeNull();
    const button = Array.from(widget.node.querySelectorAll('button')).find(b =>
      b.textContent?.includes('Hold out 8 rows')
    )!;
    await act(async () => button.click());
    expect(onUse).toHaveBeenCalledWith(8);
    await act(async () => widget.dispose());
  });
});
