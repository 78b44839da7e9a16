import { ApiRequestError } from '../api/client';
import {
  attachmentName,
  ICreateEvaluationRequest,
  IEvaluation,
  IEvaluationRow,
  IEvaluationsApi
} from '../api/evaluations';
import {
  EvaluationModel,
  evaluationRequest,
  formatDifference,
  formatInterval,
  formatScore,
  metricBars,
  progressFraction,
  rowsByDifference
} from '../models/evaluationModel';

function row(
  index: number,
  difference: IEvaluationRow['difference']
): IEvaluationRow {
  return {
    index,
    prompt: `p${index}`,
    reference: 'r',
    answers: [],
    difference
  };
}

function evaluation(extra: Partial<IEvaluation> = {}): IEvaluation {
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
    parameters: { max_new_tokens: 32 },
    metrics: ['exact_match', 'rouge_l'],
    source: { kind: 'heldout', uri: 'file:///x', count: 2 },
    progress: { done: 2, total: 2 },
    errors: 0,
    summary: {
      base: {
        exact_match: { mean: 0, low: 0, high: 0, n: 2 },
        rouge_l: { mean: 0.25, low: 0.1, high: 0.4, n: 2 }
      },
      tuned: {
        exact_match: { mean: 1, low: 1, high: 1, n: 2 },
        rouge_l: { mean: null, low: null, high: null, n: 0 }
      }
    },
    differences: null,
    wins: null,
    latency: null,
    rows: [],
    ...extra
  };
}

describe('evaluation logic', () => {
  it('orders rows by how much the endpoints differ, rows without a difference last', () => {
    const rows = [
      row(0, { rouge_l: 0.1, token_f1: 0.5, exact_match: 0 }),
      row(1, null),
      row(2, { rouge_l: -0.8, token_f1: 0, exact_match: -1 }),
      row(3, { rouge_l: 0.1, token_f1: 0.9, exact_match: 0 }),
      row(4, { rouge_l: 0.1, token_f1: 0.5, exact_match: 0 })
    ];
    expect(rowsByDifference(rows).map(r => r.index)).toEqual([2, 3, 0, 4, 1]);
    expect(rows.map(r => r.index)).toEqual([0, 1, 2, 3, 4]); // not sorted in place
  });

  it('formats scores, intervals and differences in percent', () => {
    expect(formatScore(0.6667)).toBe('66.7');
    expect(formatScore(null)).toBe('–');
    expect(formatInterval({ mean: 0.5, low: 0.25, high: 0.75, n: 4 })).toBe(
      '50.0 [25.0, 75.0]'
    );
    expect(formatInterval(undefined)).toBe('–');
    expect(
      formatDifference({
        mean: 1,
        low: 0.8,
        high: 1,
        n: 10,
        excludes_zero: true
      })
    ).toBe('+100.0 [+80.0, +100.0]');
    expect(formatDifference({ mean: -0.1, low: -0.3, high: 0.1, n: 3 })).toBe(
      '-10.0 [-30.0, +10.0]'
    );
    expect(progressFraction({ done: 3, total: 4 })).toBe(0.75);
    expect(progressFraction({ done: 0, total: 0 })).toBe(0);
  });

  it('makes one bar per metric and endpoint, leaving out unscored ones', () => {
    expect(metricBars(evaluation())).toEqual([
      {
        metric: 'exact_match',
        endpoint: 'base',
        series: 0,
        mean: 0,
        low: 0,
        high: 0
      },
      {
        metric: 'exact_match',
        endpoint: 'tuned',
        series: 1,
        mean: 1,
        low: 1,
        high: 1
      },
      {
        metric: 'rouge_l',
        endpoint: 'base',
        series: 0,
        mean: 0.25,
        low: 0.1,
        high: 0.4
      }
    ]);
    expect(metricBars(evaluation({ summary: null }))).toEqual([]);
  });

  it('builds the request from the form, null while incomplete', () => {
    const form = {
      endpointA: 'base',
      endpointB: 'tuned',
      source: { kind: 'heldout' as const, datasetUri: 'file:///d/train.jsonl' },
      maxNewTokens: 32,
      stopAtLineBreak: true,
      trainingJob: 'job-1'
    };
    expect(evaluationRequest(form)).toEqual({
      endpoints: ['base', 'tuned'],
      dataset_uri: 'file:///d/train.jsonl',
      parameters: { max_new_tokens: 32, do_sample: false, stop: ['\n'] },
      training_job: 'job-1'
    });
    expect(
      evaluationRequest({
        ...form,
        endpointA: null,
        stopAtLineBreak: false,
        trainingJob: null,
        source: { kind: 'upload', uploadUri: 'upload://a/b.jsonl' }
      })
    ).toEqual({
      endpoints: ['tuned'],
      dataset_uri: 'upload://a/b.jsonl',
      parameters: { max_new_tokens: 32, do_sample: false }
    });
    expect(
      evaluationRequest({
        ...form,
        source: { kind: 'rows', rows: [{ prompt: 'p', reference: 'r' }] }
      })?.rows
    ).toEqual([{ prompt: 'p', reference: 'r' }]);
    expect(evaluationRequest({ ...form, source: null })).toBeNull();
    expect(
      evaluationRequest({ ...form, endpointA: null, endpointB: null })
    ).toBeNull();
  });

  it('reads the file name of an export', () => {
    expect(attachmentName('attachment; filename="e.csv"', 'x')).toBe('e.csv');
    expect(attachmentName(null, 'x.txt')).toBe('x.txt');
  });
});

describe('EvaluationModel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function fakeApi(responses: IEvaluation[]): jest.Mocked<IEvaluationsApi> {
    const queue = [...responses];
    return {
      createEvaluation: jest.fn(
        async (_body: ICreateEvaluationRequest) => queue.shift() as IEvaluation
      ),
      listEvaluations: jest.fn(async () => ({ evaluations: [] })),
      getEvaluation: jest.fn(
        async (_id: string) => queue.shift() as IEvaluation
      ),
      stopEvaluation: jest.fn(async (_id: string) =>
        evaluation({ status: 'stopped', reason: 'Stopped by me.' })
      ),
      deleteEvaluation: jest.fn(async (id: string) => ({
        id,
        deleted: true as const
      })),
      exportEvaluation: jest.fn(),
      createEvaluationNotebook: jest.fn()
    };
  }

  it('polls a running evaluation until it finishes, then refreshes the list', async () => {
    const running = evaluation({
      status: 'running',
      progress: { done: 0, total: 2 }
    });
    const halfway = evaluation({
      status: 'running',
      progress: { done: 1, total: 2 }
    });
    const api = fakeApi([running, halfway, evaluation()]);
    const model = new EvaluationModel({ api, pollInterval: 500 });
    const seen: number[] = [];
    model.changed.connect(() => seen.push(model.current?.progress.done ?? -1));
    await model.start({ endpoints: ['base'], rows: [] });
    expect(model.current?.status).toBe('running');
    expect(api.getEvaluation).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(500);
    expect(model.current?.progress.done).toBe(1);
    await jest.advanceTimersByTimeAsync(500);
    expect(model.current?.status).toBe('completed');
    expect(api.getEvaluation).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(5000);
    expect(api.getEvaluation).toHaveBeenCalledTimes(2); // no polling once finished
    expect(api.listEvaluations.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(seen).toContain(1);
    model.dispose();
  });

  it('stops, removes, and reports errors', async () => {
    const api = fakeApi([evaluation({ status: 'running' })]);
    const model = new EvaluationModel({ api, pollInterval: 1000 });
    await model.open('eval-20240101-000000-abcdef');
    await model.stop();
    expect(api.stopEvaluation).toHaveBeenCalledWith(
      'eval-20240101-000000-abcdef'
    );
    expect(model.current?.status).toBe('stopped');
    await model.stop(); // not running: nothing sent
    expect(api.stopEvaluation).toHaveBeenCalledTimes(1);

    api.deleteEvaluation.mockRejectedValueOnce(
      new ApiRequestError({
        status: 409,
        code: 'EvaluationRunning',
        message: 'running'
      })
    );
    await model.remove('eval-20240101-000000-abcdef');
    expect(model.error?.code).toBe('EvaluationRunning');
    await model.remove('eval-20240101-000000-abcdef');
    expect(model.error).toBeNull();
    expect(model.current).toBeNull();

    api.createEvaluation.mockRejectedValueOnce(
      new ApiRequestError({ status: 400, code: 'InvalidRows', message: 'x' })
    );
    await expect(model.start({ endpoints: ['a'], rows: [] })).rejects.toThrow(
      'x'
    );
    expect(model.list.kind).toBe('ready');
    model.dispose();
  });
});
