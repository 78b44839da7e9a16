/**
 * The Evaluate view's state and pure logic: the saved evaluations, the one shown (polled while it runs),
 * the rows ordered by how much the two endpoints differ, the bars of the chart, and the request a form makes.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  EvaluationMetric,
  ICreateEvaluationRequest,
  IEvaluation,
  IEvaluationOverview,
  IEvaluationRow,
  IEvaluationsApi,
  IMetricInterval
} from '../api/evaluations';
import { IInvocationParameters } from '../api/types';
import { failed, Loadable, LOADING, ready } from './loadable';

export const METRIC_ORDER: readonly EvaluationMetric[] = [
  'exact_match',
  'token_f1',
  'rouge_l'
];

/** Poll a running evaluation this often (ms). */
export const DEFAULT_EVALUATION_POLL_MS = 1000;

export function isEvaluationRunning(
  evaluation: Pick<IEvaluationOverview, 'status'> | null
): boolean {
  return evaluation?.status === 'running';
}

/** A score in [0, 1] as a percentage with one decimal ("–" when unknown). */
export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : (value * 100).toFixed(1);
}

/** "72.0 [55.0, 88.0]": the mean and its interval in percent. */
export function formatInterval(interval: IMetricInterval | undefined): string {
  if (!interval || interval.mean === null) {
    return '–';
  }
  return `${formatScore(interval.mean)} [${formatScore(interval.low)}, ${formatScore(interval.high)}]`;
}

/** A paired difference in percentage points with its sign: "+100.0 [+100.0, +100.0]". */
export function formatDifference(
  interval: IMetricInterval | undefined
): string {
  if (!interval || interval.mean === null) {
    return '–';
  }
  const signed = (value: number | null): string =>
    value === null
      ? '–'
      : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}`;
  return `${signed(interval.mean)} [${signed(interval.low)}, ${signed(interval.high)}]`;
}

/** Rows done as a fraction in [0, 1]. */
export function progressFraction(progress: {
  done: number;
  total: number;
}): number {
  return progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
}

/**
 * The rows where the two endpoints differ most first: by |ROUGE-L difference|, then |token F1|, then
 * |exact match|; rows without a difference (one endpoint, or a failed answer) last; ties keep row order.
 */
export function rowsByDifference(
  rows: readonly IEvaluationRow[]
): IEvaluationRow[] {
  const key = (row: IEvaluationRow): number[] => {
    const d = row.difference;
    if (!d) {
      return [-1, -1, -1];
    }
    return [
      Math.abs(d.rouge_l ?? 0),
      Math.abs(d.token_f1 ?? 0),
      Math.abs(d.exact_match ?? 0)
    ];
  };
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) {
        return kb[i] - ka[i];
      }
    }
    return a.index - b.index;
  });
}

/** One bar of the chart: an endpoint's mean on a metric with its interval. */
export interface IMetricBar {
  metric: EvaluationMetric;
  endpoint: string;
  /** 0 for the first endpoint (base), 1 for the second (fine-tuned). */
  series: number;
  mean: number;
  low: number;
  high: number;
}

/** The chart's bars, grouped by metric in report order, endpoints in order; unscored metrics left out. */
export function metricBars(evaluation: IEvaluationOverview): IMetricBar[] {
  const bars: IMetricBar[] = [];
  const summary = evaluation.summary;
  if (!summary) {
    return bars;
  }
  for (const metric of METRIC_ORDER.filter(m =>
    evaluation.metrics.includes(m)
  )) {
    evaluation.endpoints.forEach((endpoint, series) => {
      const value = summary[endpoint.name]?.[metric];
      if (value && value.mean !== null) {
        bars.push({
          metric,
          endpoint: endpoint.name,
          series,
          mean: value.mean,
          low: value.low ?? value.mean,
          high: value.high ?? value.mean
        });
      }
    });
  }
  return bars;
}

/** Where the rows of an evaluation come from, as the form chooses it. */
export type EvaluationSource =
  | { kind: 'heldout'; datasetUri: string }
  | { kind: 'upload'; uploadUri: string }
  | { kind: 'rows'; rows: { prompt: string; reference: string }[] };

export interface IEvaluationForm {
  endpointA: string | null;
  endpointB: string | null;
  source: EvaluationSource | null;
  maxNewTokens: number;
  /** Stop each answer at its first line break (short reference answers). */
  stopAtLineBreak: boolean;
  trainingJob: string | null;
}

/** Greedy decoding so both endpoints are judged on their most likely answer. */
export function evaluationParameters(
  form: Pick<IEvaluationForm, 'maxNewTokens' | 'stopAtLineBreak'>
): IInvocationParameters {
  const parameters: IInvocationParameters = {
    max_new_tokens: form.maxNewTokens,
    do_sample: false
  };
  if (form.stopAtLineBreak) {
    parameters.stop = ['\n'];
  }
  return parameters;
}

/**
 * The `POST /evaluations` body of a form, or null while it is incomplete (the server judges the rest:
 * names, ranges, rows). Endpoint A alone evaluates one endpoint; B alone too.
 */
export function evaluationRequest(
  form: IEvaluationForm
): ICreateEvaluationRequest | null {
  const endpoints = [form.endpointA, form.endpointB].filter(
    (name): name is string => !!name
  );
  if (endpoints.length === 0 || !form.source) {
    return null;
  }
  const body: ICreateEvaluationRequest = {
    endpoints,
    parameters: evaluationParameters(form)
  };
  if (form.trainingJob) {
    body.training_job = form.trainingJob;
  }
  switch (form.source.kind) {
    case 'heldout':
      body.dataset_uri = form.source.datasetUri;
      break;
    case 'upload':
      body.dataset_uri = form.source.uploadUri;
      break;
    case 'rows':
      body.rows = form.source.rows;
      break;
  }
  return body;
}

export namespace EvaluationModel {
  export interface IOptions {
    api: IEvaluationsApi;
    /** Poll a running evaluation this often (ms). */
    pollInterval?: number;
  }
}

/**
 * The saved evaluations and the one shown. `start` and `open` show an evaluation and poll it every
 * `pollInterval` ms while it runs; when it finishes the list is refreshed.
 */
export class EvaluationModel {
  constructor(options: EvaluationModel.IOptions) {
    this._api = options.api;
    this._pollInterval = options.pollInterval ?? DEFAULT_EVALUATION_POLL_MS;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get list(): Loadable<IEvaluationOverview[]> {
    return this._list;
  }

  get current(): IEvaluation | null {
    return this._current;
  }

  /** The last failed action (start, stop, delete, poll); cleared by the next action. */
  get error(): ApiRequestError | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  async refresh(): Promise<void> {
    try {
      const { evaluations } = await this._api.listEvaluations();
      this._list = ready(evaluations);
    } catch (reason) {
      this._list = failed(reason);
    }
    this._emit();
  }

  /** Start an evaluation and show it; rejects with the server's error (the form shows it). */
  async start(body: ICreateEvaluationRequest): Promise<IEvaluation> {
    this._error = null;
    const evaluation = await this._api.createEvaluation(body);
    this._show(evaluation);
    void this.refresh();
    return evaluation;
  }

  /** Show a saved evaluation. */
  async open(id: string): Promise<void> {
    this._error = null;
    try {
      this._show(await this._api.getEvaluation(id));
    } catch (reason) {
      this._error = toApiRequestError(reason);
      this._emit();
    }
  }

  /** Stop the evaluation shown. */
  async stop(): Promise<void> {
    const current = this._current;
    if (!current || !isEvaluationRunning(current)) {
      return;
    }
    this._error = null;
    try {
      this._show(await this._api.stopEvaluation(current.id));
      void this.refresh();
    } catch (reason) {
      this._error = toApiRequestError(reason);
      this._emit();
    }
  }

  async remove(id: string): Promise<void> {
    this._error = null;
    try {
      await this._api.deleteEvaluation(id);
      if (this._current?.id === id) {
        this._current = null;
        this._clearTimer();
      }
      await this.refresh();
    } catch (reason) {
      this._error = toApiRequestError(reason);
      this._emit();
    }
  }

  /** Read the shown evaluation once more (what the timer does while it runs). */
  async poll(): Promise<void> {
    const current = this._current;
    if (!current) {
      return;
    }
    try {
      const next = await this._api.getEvaluation(current.id);
      if (this._current?.id !== current.id || this._disposed) {
        return;
      }
      this._show(next);
      if (!isEvaluationRunning(next)) {
        void this.refresh();
      }
    } catch (reason) {
      this._error = toApiRequestError(reason);
      this._emit();
      this._schedule();
    }
  }

  dispose(): void {
    this._disposed = true;
    this._clearTimer();
    Signal.clearData(this);
  }

  private _show(evaluation: IEvaluation): void {
    this._current = evaluation;
    this._clearTimer();
    if (isEvaluationRunning(evaluation)) {
      this._schedule();
    }
    this._emit();
  }

  private _schedule(): void {
    if (this._disposed || this._timer !== null) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.poll();
    }, this._pollInterval);
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _api: IEvaluationsApi;
  private _pollInterval: number;
  private _list: Loadable<IEvaluationOverview[]> = LOADING;
  private _current: IEvaluation | null = null;
  private _error: ApiRequestError | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
