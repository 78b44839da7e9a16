/**
 * The training jobs this extension started, kept fresh by polling only the ones still running
 * (InProgress, Stopping), so an open job page's loss curve and log grow live; see `ResourceList`.
 *
 * - `refresh()` re-reads the list (`GET /training-jobs`; loss and log tail may be empty there: a described
 *   job keeps them).
 * - `load(name)` describes one job (`GET /training-jobs/{name}`) for the job page: loss series, log tail.
 * - `stateChanged` fires when a job becomes Completed, Failed or Stopped.
 * - The held-out prompts of the dataset a job was launched with are remembered (in the browser) for
 *   "Compare with base"; the server's job JSON does not carry them.
 */
import {
  IEndpoint,
  ITrainingJob,
  ITrainingJobList,
  TrainingJobStatus
} from '../api/types';
import { ResourceList } from './resourcePolling';

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

export class TrainingJobsModel extends ResourceList<
  ITrainingJob,
  ITrainingJobTransition
> {
  constructor(options: TrainingJobsModel.IOptions) {
    const { source } = options;
    super({
      name: 'jupyter-llama-neuron:training-jobs',
      list: async () => (await source.listTrainingJobs()).training_jobs,
      describe: name => source.getTrainingJob(name),
      isActive: isTrainingActive,
      announced: new Set(['Completed', 'Failed', 'Stopped']),
      transition: (job, previousStatus) => ({ job, previousStatus }),
      pollInterval:
        options.pollInterval ?? TrainingJobsModel.DEFAULT_POLL_INTERVAL,
      maxInterval:
        options.maxInterval ?? TrainingJobsModel.DEFAULT_MAX_INTERVAL,
      errorsOfRemoved: false,
      // The list carries no loss or log: keep those of a described job.
      keepDetails: (fresh, known) =>
        fresh.loss.length === 0 && known.loss.length > 0
          ? { ...fresh, loss: known.loss, log_tail: known.log_tail }
          : fresh
    });
    this._store =
      options.promptStore === undefined
        ? defaultPromptStore()
        : options.promptStore;
  }

  /** The known jobs, newest first (empty until loaded); described jobs carry their loss and log. */
  get jobs(): readonly ITrainingJob[] {
    return this.items;
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

  private _store: IPromptStore | null;
  private _prompts = new Map<string, string[]>();
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
