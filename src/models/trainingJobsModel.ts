/**
 * The training jobs this extension started, kept fresh by polling only the ones still running.
 *
 * - `refresh()` re-reads the list (`GET /training-jobs`; loss and log tail may be empty there).
 * - `load(name)` describes one job (`GET /training-jobs/{name}`) for the job page: loss series, log tail.
 * - A `@lumino/polling` `Poll` re-describes only non-terminal jobs (InProgress, Stopping), so an open job
 *   page's loss curve and log grow live; it backs off on errors and stands by while the page is hidden or
 *   when nothing is running.
 * - `stateChanged` fires when a job becomes Completed, Failed or Stopped.
 * - The held-out prompts of the dataset a job was launched with are remembered (in the browser) for
 *   "Compare with base"; the server's job JSON does not carry them.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  IEndpoint,
  ITrainingJob,
  ITrainingJobList,
  TrainingJobStatus
} from '../api/types';
import { failed, Loadable, LOADING, ready } from './loadable';
import {
  createBackoffPoll,
  fetchEach,
  mergeFetched,
  schedulePoll,
  setPollInterval
} from './resourcePolling';

/** The two calls the model needs (an `IApiClient` satisfies it). */
export interface ITrainingJobsSource {
  listTrainingJobs(): Promise<ITrainingJobList>;
  getTrainingJob(name: string): Promise<ITrainingJob>;
}

export interface ITrainingJobTransition {
  job: ITrainingJob;
  previousStatus: TrainingJobStatus;
}

/** Statuses a job can still leave. */
export const ACTIVE_TRAINING_STATUSES: ReadonlySet<string> = new Set([
  'InProgress',
  'Stopping'
]);

/** Statuses announced when reached. */
const ANNOUNCED: ReadonlySet<string> = new Set([
  'Completed',
  'Failed',
  'Stopped'
]);

export function isTrainingActive(status: string): boolean {
  return ACTIVE_TRAINING_STATUSES.has(status);
}

/** Seconds since the job was created (the server's age when the date cannot be read). */
export function trainingJobAge(job: ITrainingJob, now: number): number {
  const created = Date.parse(job.created_at);
  return Number.isFinite(created)
    ? Math.max(0, (now - created) / 1000)
    : job.age_s;
}

/** Endpoints that serve this job's fine-tuned model (best first: InService, then the newest). */
export function fineTunedEndpoints(
  endpoints: readonly IEndpoint[],
  job: string
): IEndpoint[] {
  return endpoints
    .filter(
      endpoint =>
        endpoint.training_job === job &&
        endpoint.status !== 'Failed' &&
        endpoint.status !== 'Deleting'
    )
    .sort(
      (a, b) =>
        Number(b.status === 'InService') - Number(a.status === 'InService')
    );
}

/** An InService endpoint of the base model `modelId` (not fine-tuned), if any. */
export function baseEndpoint(
  endpoints: readonly IEndpoint[],
  modelId: string
): IEndpoint | null {
  return (
    endpoints.find(
      endpoint =>
        endpoint.model_id === modelId &&
        !endpoint.training_job &&
        endpoint.status === 'InService'
    ) ?? null
  );
}

/** Where held-out prompts are kept (`localStorage` when available). */
export interface IPromptStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const PROMPTS_KEY = 'jupyter-llama-neuron:heldout-prompts:';
const MAX_REMEMBERED_PROMPTS = 50;

function defaultPromptStore(): IPromptStore | null {
  try {
    return typeof window !== 'undefined' && window.localStorage
      ? window.localStorage
      : null;
  } catch {
    return null; // storage disabled by the browser
  }
}

export class TrainingJobsModel {
  constructor(options: TrainingJobsModel.IOptions) {
    this._source = options.source;
    this._store =
      options.promptStore === undefined
        ? defaultPromptStore()
        : options.promptStore;
    const interval =
      options.pollInterval ?? TrainingJobsModel.DEFAULT_POLL_INTERVAL;
    this._maxInterval =
      options.maxInterval ?? TrainingJobsModel.DEFAULT_MAX_INTERVAL;
    this._poll = createBackoffPoll({
      name: 'jupyter-llama-neuron:training-jobs',
      factory: () => this.pollActive(),
      interval,
      maxInterval: this._maxInterval,
      standby: () => this.standby
    });
  }

  /** Loading until the first list arrives; Error if it never did; Ready afterwards. */
  get state(): Loadable<readonly ITrainingJob[]> {
    return this._state;
  }

  /** The known jobs, newest first (empty until loaded); described jobs carry their loss and log. */
  get jobs(): readonly ITrainingJob[] {
    return this._state.kind === 'ready' ? this._state.value : [];
  }

  get lastError(): ApiRequestError | null {
    return this._lastError;
  }

  /** Whether any job is still running or stopping. */
  get hasActive(): boolean {
    return this.jobs.some(job => isTrainingActive(job.status));
  }

  /** What the poll does when it would tick: poll unless hidden while something runs, else stand by. */
  get standby(): 'when-hidden' | true {
    return this.hasActive ? 'when-hidden' : true;
  }

  get isRefreshing(): boolean {
    return this._refreshing > 0;
  }

  /** Emitted whenever the list, a job, its state or `lastError` changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when a job becomes Completed, Failed or Stopped. */
  get stateChanged(): ISignal<this, ITrainingJobTransition> {
    return this._stateChanged;
  }

  get pollInterval(): number {
    return this._poll.frequency.interval;
  }

  set pollInterval(ms: number) {
    setPollInterval(this._poll, ms, this._maxInterval);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  get(name: string): ITrainingJob | undefined {
    return this.jobs.find(job => job.name === name);
  }

  /** Re-read the list. Never rejects; errors land in `state`/`lastError`. */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._refreshing++;
    this._changed.emit();
    try {
      const list = await this._source.listTrainingJobs();
      if (this.isDisposed) {
        return;
      }
      const previous = new Map(this.jobs.map(job => [job.name, job]));
      const loadedBefore = this._state.kind === 'ready';
      const stale: string[] = [];
      const merged = list.training_jobs.map(job => {
        const known = previous.get(job.name);
        if (known && job.loss.length === 0 && known.loss.length > 0) {
          // Keep the described job's loss and log; describe it again if its status moved.
          if (known.status !== job.status) {
            stale.push(job.name);
          }
          return { ...job, loss: known.loss, log_tail: known.log_tail };
        }
        return job;
      });
      this._state = ready(merged);
      this._lastError = null;
      if (loadedBefore) {
        for (const job of merged) {
          this._announce(job, previous.get(job.name)?.status);
        }
      }
      for (const name of stale) {
        void this.load(name);
      }
      this._startPolling();
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      if (this._state.kind === 'ready') {
        this._lastError = toApiRequestError(error);
      } else {
        this._state = failed(error);
      }
    } finally {
      this._refreshing--;
      if (!this.isDisposed) {
        this._changed.emit();
      }
    }
  }

  /** Describe one job (loss, log tail) and merge it in; rejects with the API error. */
  async load(name: string): Promise<ITrainingJob> {
    const job = await this._source.getTrainingJob(name);
    if (!this.isDisposed) {
      this.upsert(job);
    }
    return job;
  }

  /**
   * Re-describe the running jobs only (what the poll runs). A job that is gone (404) is removed. Rejects
   * with the first other error so that the poll backs off.
   */
  async pollActive(): Promise<void> {
    const active = this.jobs.filter(job => isTrainingActive(job.status));
    if (active.length === 0 || this.isDisposed) {
      return;
    }
    const results = await fetchEach(active, name =>
      this._source.getTrainingJob(name)
    );
    if (this.isDisposed) {
      return;
    }
    const { list, transitions, firstError } = mergeFetched(
      this.jobs,
      active,
      results,
      false
    );
    this._state = ready(list);
    this._lastError = firstError;
    this._changed.emit();
    for (const [job, previous] of transitions) {
      this._announce(job, previous);
    }
    if (firstError) {
      throw firstError;
    }
  }

  /** Add or replace a job (a create's 202 answer, a describe, a stop) and make sure it is polled. */
  upsert(job: ITrainingJob): void {
    if (this.isDisposed) {
      return;
    }
    const current = this.jobs;
    const previous = current.find(item => item.name === job.name);
    const list = previous
      ? current.map(item => (item.name === job.name ? job : item))
      : [job, ...current];
    this._state = ready(list);
    this._changed.emit();
    if (previous) {
      this._announce(job, previous.status);
    }
    this._startPolling();
  }

  /** Remember the prompts held out of the dataset `job` was launched with. */
  rememberHeldoutPrompts(job: string, prompts: readonly string[]): void {
    const kept = prompts
      .filter(prompt => prompt.trim())
      .slice(0, MAX_REMEMBERED_PROMPTS);
    this._prompts.set(job, kept);
    try {
      this._store?.setItem(PROMPTS_KEY + job, JSON.stringify(kept));
    } catch {
      // storage full or disabled: kept for this session only
    }
  }

  /** The held-out prompts remembered for `job` (empty when unknown). */
  heldoutPrompts(job: string): string[] {
    const known = this._prompts.get(job);
    if (known) {
      return [...known];
    }
    try {
      const raw = this._store?.getItem(PROMPTS_KEY + job);
      const parsed: unknown = raw ? JSON.parse(raw) : null;
      if (
        Array.isArray(parsed) &&
        parsed.every(item => typeof item === 'string')
      ) {
        this._prompts.set(job, parsed as string[]);
        return [...(parsed as string[])];
      }
    } catch {
      // unreadable: treated as unknown
    }
    return [];
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _announce(
    job: ITrainingJob,
    previous: TrainingJobStatus | undefined
  ): void {
    if (
      previous !== undefined &&
      previous !== job.status &&
      ANNOUNCED.has(job.status)
    ) {
      this._stateChanged.emit({ job, previousStatus: previous });
    }
  }

  private _startPolling(): void {
    if (this._pollStarted || this.isDisposed) {
      return;
    }
    this._pollStarted = true;
    schedulePoll(this._poll);
  }

  private _source: ITrainingJobsSource;
  private _store: IPromptStore | null;
  private _poll: Poll;
  private _maxInterval: number;
  private _pollStarted = false;
  private _state: Loadable<readonly ITrainingJob[]> = LOADING;
  private _lastError: ApiRequestError | null = null;
  private _refreshing = 0;
  private _isDisposed = false;
  private _prompts = new Map<string, string[]>();
  private _changed = new Signal<this, void>(this);
  private _stateChanged = new Signal<this, ITrainingJobTransition>(this);
}

export namespace TrainingJobsModel {
  /** Training takes minutes to hours; the loss metric arrives about once a minute on SageMaker. */
  export const DEFAULT_POLL_INTERVAL = 10_000;
  export const DEFAULT_MAX_INTERVAL = 300_000;

  export interface IOptions {
    source: ITrainingJobsSource;
    pollInterval?: number;
    maxInterval?: number;
    /** Where held-out prompts persist (default `localStorage`; null keeps them in memory only). */
    promptStore?: IPromptStore | null;
  }
}
