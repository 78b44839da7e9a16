import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import {
  ICreateEvaluationRequest,
  IEvaluation,
  IEvaluationsApi
} from '../api/evaluations';
import { EvaluateView } from '../components/EvaluateView';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, RULES, trainingJobsFor } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const REQUEST = {
  endpointA: 'base',
  endpointB: 'tuned',
  datasetUri: 'file:///data/local/datasets/x/train.jsonl',
  trainingJob: 'job-1'
};

function report(extra: Partial<IEvaluation> = {}): IEvaluation {
  const answer = (name: string, text: string, em: number) => ({
    endpoint: name,
    text,
    error: null,
    scores: { exact_match: em, token_f1: em, rouge_l: em },
    latency_s: 0.5,
    tokens_out: 4,
    finish_reason: 'stop'
  });
  return {
    id: 'eval-20240101-000000-abcdef',
    status: 'completed',
    reason: null,
    created_at: '2024-01-01T00:00:00+00:00',
    finished_at: '2024-01-01T00:01:00+00:00',
    training_job: 'job-1',
    endpoints: [
      { name: 'base', model_id: 'm' },
      { name: 'tuned', model_id: 'm' }
    ],
    parameters: { max_new_tokens: 64, do_sample: false, stop: ['\n'] },
    metrics: ['exact_match', 'token_f1', 'rouge_l'],
    source: { kind: 'heldout', uri: REQUEST.datasetUri, count: 2 },
    progress: { done: 2, total: 2 },
    errors: 0,
    scored_rows: 2,
    summary: {
      base: {
        exact_match: { mean: 0.5, low: 0, high: 1, n: 2 },
        token_f1: { mean: 0.5, low: 0, high: 1, n: 2 },
        rouge_l: { mean: 0.5, low: 0, high: 1, n: 2 }
      },
      tuned: {
        exact_match: { mean: 1, low: 1, high: 1, n: 2 },
        token_f1: { mean: 1, low: 1, high: 1, n: 2 },
        rouge_l: { mean: 1, low: 1, high: 1, n: 2 }
      }
    },
    differences: {
      exact_match: { mean: 0.5, low: 0, high: 1, n: 2, excludes_zero: false },
      token_f1: { mean: 0.5, low: 0, high: 1, n: 2, excludes_zero: false },
      rouge_l: { mean: 0.5, low: 0, high: 1, n: 2, excludes_zero: false }
    },
    wins: {
      metric: 'rouge_l',
      endpoint: 'tuned',
      against: 'base',
      wins: 1,
      ties: 1,
      losses: 0
    },
    latency: null,
    rows: [
      {
        index: 0,
        prompt: 'Same?',
        reference: 'Yes.',
        answers: [answer('base', 'Yes.', 1), answer('tuned', 'Yes.', 1)],
        difference: { exact_match: 0, token_f1: 0, rouge_l: 0 }
      },
      {
        index: 1,
        prompt: 'Capital of Velmor?',
        reference: 'Zorka.',
        answers: [answer('base', 'No idea', 0), answer('tuned', 'Zorka.', 1)],
        difference: { exact_match: 1, token_f1: 1, rouge_l: 1 }
      }
    ],
    ...extra
  };
}

async function mount(evaluations: IEvaluationsApi): Promise<Widget> {
  const list = [
    endpoint('base', 'InService'),
    endpoint('tuned', 'InService', { training_job: 'job-1' })
  ];
  const endpoints = new EndpointsModel({
    source: {
      listEndpoints: async () => ({ endpoints: list }),
      getEndpoint: async name => list.find(e => e.name === name) ?? list[0]
    }
  });
  await endpoints.refresh();
  const services: IPanelServices = {
    api: {
      getTrainingJob: jest.fn(async () => ({
        name: 'job-1',
        dataset_uri: REQUEST.datasetUri
      }))
    } as unknown as IApiClient,
    endpoints,
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null,
    trainingJobs: trainingJobsFor({}),
    rules: RULES,
    evaluations
  };
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services}>
      <EvaluateView request={REQUEST} />
    </PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

const byTestId = (root: Widget, id: string): HTMLElement => {
  const element = root.node.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!element) {
    throw new Error(`no ${id}`);
  }
  return element;
};

describe('EvaluateView', () => {
  it('runs the request from a training job and shows the report, rows that differ most first', async () => {
    const running = report({
      status: 'running',
      progress: { done: 0, total: 2 },
      rows: [],
      summary: null,
      differences: null,
      wins: null
    });
    const api: IEvaluationsApi = {
      createEvaluation: jest.fn(
        async (_body: ICreateEvaluationRequest) => running
      ),
      listEvaluations: jest.fn(async () => ({ evaluations: [] })),
      getEvaluation: jest.fn(async () => report()),
      stopEvaluation: jest.fn(async () =>
        report({ status: 'stopped', reason: 'Stopped by you.' })
      ),
      deleteEvaluation: jest.fn(),
      exportEvaluation: jest.fn(),
      createEvaluationNotebook: jest.fn()
    };
    const widget = await mount(api);
    const run = byTestId(widget, 'llama-neuron-evaluate-run');
    expect(run.hasAttribute('disabled')).toBe(false);
    await act(async () => run.click());
    expect(api.createEvaluation).toHaveBeenCalledWith({
      endpoints: ['base', 'tuned'],
      dataset_uri: REQUEST.datasetUri,
      parameters: { max_new_tokens: 64, do_sample: false, stop: ['\n'] },
      training_job: 'job-1'
    });
    const shown = byTestId(widget, 'llama-neuron-evaluation-report');
    expect(shown.dataset.status).toBe('running');
    expect(
      byTestId(widget, 'llama-neuron-evaluation-progress').textContent
    ).toBe('0 / 2 rows (0%)');
    // Stop is offered while it runs.
    await act(async () =>
      byTestId(widget, 'llama-neuron-evaluation-stop').click()
    );
    expect(api.stopEvaluation).toHaveBeenCalledWith(running.id);
    expect(byTestId(widget, 'llama-neuron-evaluation-reason').textContent).toBe(
      'Stopped by you.'
    );
    // The finished report: summary, chart, rows with the biggest difference first.
    expect(
      byTestId(widget, 'llama-neuron-evaluation-summary').textContent
    ).toContain('100.0 [100.0, 100.0]');
    expect(
      widget.node.querySelectorAll(
        '[data-testid="llama-neuron-evaluation-bar"]'
      )
    ).toHaveLength(6);
    const rows = widget.node.querySelectorAll<HTMLElement>(
      '[data-testid="llama-neuron-evaluation-row"]'
    );
    expect(Array.from(rows).map(row => row.dataset.index)).toEqual(['1', '0']);
    expect(byTestId(widget, 'llama-neuron-evaluation-wins').textContent).toBe(
      'tuned against base on ROUGE-L per row: 1 wins, 1 ties, 0 losses.'
    );
    await act(async () => widget.dispose());
  });
});
