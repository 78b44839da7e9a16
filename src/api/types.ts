/**
 * The REST JSON shapes of `/llama-neuron/api/v1` (see docs/architecture.md).
 *
 * Keys match the server's JSON exactly (snake_case); do not rename them here.
 */

/** Which backend serves requests. */
export type BackendName = 'local' | 'sagemaker';

/** How the backend was chosen (traitlet `backend`). */
export type BackendChoice = 'auto' | 'sagemaker' | 'local';

/** Readiness of the local stand-in model (local mode only). */
export type LocalModelState =
  'missing' | 'converting' | 'ready' | 'unavailable';

export interface ILocalModelReadiness {
  state: LocalModelState;
  /** 0..1 while converting, otherwise null. */
  progress: number | null;
  message: string;
  label: string;
}

/** `GET /status` */
export interface IStatus {
  version: string;
  backend: BackendName;
  backend_choice: BackendChoice;
  /** "Local mode (no AWS account)" or "SageMaker · us-east-1 · 123456789012". */
  label: string;
  region: string | null;
  account: string | null;
  reason: string | null;
  local_model: ILocalModelReadiness | null;
  /** "indicative, on-demand, <date>" */
  price_label: string;
}

/** An item of `GET /models`. */
export interface IModelSummary {
  id: string;
  display_name: string;
  /** "7B", "13B", "70B" */
  params: string;
  size_b: number;
  chat: boolean;
  fine_tunable: boolean;
  default_instance_type: string;
  price_per_hour: number | null;
  description: string;
  keywords: string[];
  eula_accepted: boolean;
  allowed: boolean;
  /** Whether the model needs the licence acknowledgment (all Llama 2 models do). */
  gated?: boolean;
}

/** `GET /models` */
export interface IModelList {
  models: IModelSummary[];
}

/** `POST /models/{id}/eula` response and `card.eula`. */
export interface IEulaRecord {
  model_id: string;
  eula_url: string;
  aup_url: string;
  /** ISO 8601 */
  accepted_at: string;
  user: string;
  /** With `same_license`: every model id the acceptance now covers (this one first). */
  covers?: string[];
}

/** One precompiled Neuron configuration: the four OPTION_* values and the instance they were compiled for. */
export interface IDeploymentConfig {
  instance_type: string;
  n_positions: number;
  max_rolling_batch_size: number;
  tensor_parallel_degree: number;
  dtype: string;
}

export interface IPrecompiledConfig extends IDeploymentConfig {
  price_per_hour: number | null;
  is_default: boolean;
}

export interface IInstanceTypeInfo {
  instance_type: string;
  price_per_hour: number | null;
  neuron_cores: number | null;
  vcpus: number | null;
  memory_gib: number | null;
  accelerator_memory_gib: number | null;
}

export interface IGpuComparison {
  instance_type: string;
  price_per_hour: number | null;
  note: string;
}

export type HyperparameterValue = string | number | boolean | null;

export interface IHyperparameter {
  name: string;
  type: string;
  default: HyperparameterValue;
  min: number | null;
  max: number | null;
  options: string[] | null;
  description: string;
}

export interface ITrainingInstance {
  instance_type: string;
  price_per_hour: number | null;
  /** Why the price is missing or suspect, when it is. */
  price_note?: string;
}

/** What the fine-tuning cost estimate assumes (`card.training.duration_assumption`): not a measurement. */
export interface IDurationAssumption {
  /** Minutes of a full default run on the default training instance. */
  minutes: number;
  basis: string;
  note: string;
  /** Local mode: seconds per optimizer step of the local stand-in. */
  local_seconds_per_step?: number;
  local_basis?: string;
}

export interface ITrainingSpec {
  supported: boolean;
  note: string;
  default_instance_type: string | null;
  instance_types: ITrainingInstance[];
  hyperparameters: IHyperparameter[];
  /** Fine-tunable models only. */
  duration_assumption?: IDurationAssumption;
}

/** Invocation parameters (SageMaker LMI payload `parameters`). */
export interface IInvocationParameters {
  max_new_tokens?: number;
  max_length?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  do_sample?: boolean;
  num_beams?: number;
  no_repeat_ngram_size?: number;
  early_stopping?: boolean;
  stop?: string[];
  return_full_text?: boolean;
}

export interface IExamplePrompt {
  title: string;
  inputs: string;
  parameters: IInvocationParameters;
}

/** `GET /models/{id}` */
export interface IModelCard extends IModelSummary {
  version: string;
  license: string;
  eula_url: string;
  aup_url: string;
  eula: IEulaRecord | null;
  precompiled_configs: IPrecompiledConfig[];
  config_note: string;
  instance_types: IInstanceTypeInfo[];
  gpu_comparison: IGpuComparison[];
  training: ITrainingSpec;
  example_prompts: IExamplePrompt[];
  price_label: string;
  /** Shown in local mode: which small model answers in place of this one. */
  local_stand_in: string | null;
  /** Largest context of the model family (4096 for Llama 2). */
  context_window?: number;
  /** Where the indicative prices come from. */
  price_source?: string;
  /** What `typical_minutes` of endpoints means. */
  typical_minutes_note?: string;
}

/** SageMaker's EndpointStatus values; local mode uses the same words. */
export type EndpointStatus =
  | 'Creating'
  | 'InService'
  | 'Updating'
  | 'SystemUpdating'
  | 'RollingBack'
  | 'Deleting'
  | 'Failed'
  | 'OutOfService';

/** Endpoint JSON. */
export interface IEndpoint {
  name: string;
  status: EndpointStatus;
  failure_reason: string | null;
  model_id: string;
  model_display_name: string;
  config: IDeploymentConfig | null;
  instance_type: string | null;
  /** ISO 8601 */
  created_at: string;
  age_s: number;
  backend: BackendName;
  serving_label: string;
  training_job: string | null;
  price_per_hour: number | null;
  cost_so_far: number | null;
  last_invoked_at: string | null;
  typical_minutes: number | null;
  /** Cost guard (optional: older servers do not send them). */
  idle_minutes?: number | null;
  idle_capped?: boolean;
  last_activity_at?: string | null;
  /** Effective auto-delete limit in idle minutes; null = never. */
  auto_delete_idle_minutes?: number | null;
  /** Whether the limit is the endpoint's own or the server default. */
  auto_delete_source?: AutoDeleteSource;
  keep_until?: string | null;
  deletes_at?: string | null;
  warning?: boolean;
}

/** Where an endpoint's auto-delete limit comes from. */
export type AutoDeleteSource = 'endpoint' | 'server';

/** One endpoint as `GET /cost-guard` reports it. */
export interface ICostGuardEndpoint {
  name: string;
  status: EndpointStatus;
  price_per_hour: number | null;
  idle_minutes: number | null;
  idle_capped: boolean;
  last_activity_at: string | null;
  auto_delete_idle_minutes: number | null;
  auto_delete_source: AutoDeleteSource;
  keep_until: string | null;
  deletes_at: string | null;
  warning: boolean;
}

/** An endpoint the cost guard will delete soon unless it is used or kept. */
export interface ICostGuardWarning {
  endpoint: string;
  deletes_at: string;
  idle_minutes: number;
  auto_delete_idle_minutes: number;
  price_per_hour: number | null;
}

/** An endpoint the cost guard deleted (from its log in the server's data dir). */
export interface ICostGuardDeletion {
  endpoint: string;
  backend: BackendName;
  model_id: string;
  model_display_name?: string;
  instance_type: string | null;
  price_per_hour: number | null;
  created_at?: string | null;
  last_activity_at?: string | null;
  idle_minutes: number;
  auto_delete_idle_minutes: number;
  deleted_at: string;
  cost_so_far?: number;
  reason: string;
}

/** `GET /cost-guard` */
export interface ICostGuard {
  enabled: boolean;
  default_idle_minutes: number;
  min_idle_minutes?: number;
  max_idle_minutes?: number;
  backend?: BackendName;
  checked_at: string;
  interval_s: number;
  activity_known: boolean;
  notes: string[];
  total_hourly_burn: number;
  endpoints_hourly_burn: number;
  training_hourly_burn: number;
  endpoints: ICostGuardEndpoint[];
  warnings: ICostGuardWarning[];
  deletions: ICostGuardDeletion[];
}

/** `GET /endpoints` */
export interface IEndpointList {
  endpoints: IEndpoint[];
}

/** `POST /endpoints` body. */
export interface ICreateEndpointRequest {
  model_id: string;
  config?: IDeploymentConfig;
  endpoint_name?: string;
  training_job?: string;
  client_token?: string;
  /** Idle minutes before auto-delete: 0 never; omitted or null = the server default. */
  auto_delete_idle_minutes?: number | null;
}

/** `DELETE /endpoints/{name}` */
export interface IDeleteEndpointResponse {
  name: string;
  deleted: boolean;
}

/** A message of a chat request (chat models only). */
export type ChatRole = 'system' | 'user' | 'assistant';

export interface IChatMessage {
  role: ChatRole;
  content: string;
}

/** `POST /endpoints/{name}/invocations` body for a completion: the prompt as-is. */
export interface IPromptInvocationRequest {
  inputs: string;
  parameters: IInvocationParameters;
}

/**
 * `POST /endpoints/{name}/invocations` body for a chat model: an optional leading system message, then
 * strictly alternating user/assistant messages ending with a user message. The server applies the template.
 */
export interface IChatInvocationRequest {
  messages: IChatMessage[];
  parameters: IInvocationParameters;
}

/** `POST /endpoints/{name}/invocations` body. */
export type IInvocationRequest =
  IPromptInvocationRequest | IChatInvocationRequest;

/** The exact body a SageMaker endpoint receives for a request (chat rendered with the Llama 2 template). */
export interface ISageMakerPayload {
  inputs: string;
  parameters: IInvocationParameters;
  [key: string]: unknown;
}

/** `POST /endpoints/{name}/invocations` response (and the `done` event of a stream). */
export interface IInvocationResult {
  generated_text: string;
  tokens_out: number | null;
  latency_s: number | null;
  finish_reason: string | null;
  /** Seconds until the first token (null or absent when unknown). */
  ttft_s?: number | null;
  /** Whether the answer arrived token by token. */
  streamed?: boolean;
  /** What SageMaker receives for this request; "copy as code" is built from it. */
  sagemaker_payload?: ISageMakerPayload | null;
}

/** Callbacks of a streamed invocation (`Accept: text/event-stream`). */
export interface IStreamHandlers {
  /** An incremental piece of the answer. */
  onToken?: (text: string) => void;
  /** The endpoint cannot stream; one complete answer follows in `done`. */
  onFallback?: (reason: string) => void;
}

/** Error body of every non-2xx response. */
export interface IApiErrorBody {
  error: {
    code: string;
    message: string;
    hint?: string;
    details?: Record<string, unknown>;
  };
}

/* ---- Datasets and fine-tuning (training jobs) ---- */

/** `domain`: plain text; `instruction`: instruction/context/response records rendered through a template. */
export type DatasetFormat = 'domain' | 'instruction';

/** `POST /datasets/uploads?filename=…` (201). */
export interface IUploadResult {
  upload_id: string;
  /** "upload://<id>/<file>" */
  uri: string;
  bytes: number;
  filename: string;
}

/**
 * `POST /datasets/preflight` and `POST /datasets` body: exactly one source, pasted `{filename, content}`
 * (at most 1 MB) or a `uri` (`upload://…` or, in SageMaker mode, `s3://…`).
 */
export interface IDatasetRequest {
  dataset_format: DatasetFormat;
  /** Instruction format only; omitted or empty: the server's default (JumpStart Dolly) template. */
  template?: string | null;
  max_input_length?: number | null;
  /** Keep the last N valid records out of the training file. */
  holdout?: number;
  filename?: string;
  content?: string;
  uri?: string;
}

export interface IPreflightError {
  /** 1-based; null for file-level problems. */
  line: number | null;
  byte_offset: number | null;
  code: string;
  message: string;
  hint: string;
}

export interface IPreflightSample {
  line: number;
  text: string;
  tokens: number;
}

export interface IHistogramBin {
  min: number;
  /** null for the open-ended bin above max_input_length. */
  max: number | null;
  count: number;
  truncated: boolean;
}

export interface IHeldoutPrompt {
  line: number;
  prompt: string;
  reference: string;
}

export interface ITokenStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  total: number;
}

/** `POST /datasets/preflight` (200): problems in the data are listed here, not raised. */
export interface IPreflightReport {
  ok: boolean;
  dataset_format: DatasetFormat;
  /** The template used (the server's default when none was given); null for domain data. */
  template: string | null;
  lines: number;
  records: number;
  train_records: number;
  holdout: number;
  skipped_blank_lines: number;
  error_count: number;
  errors: IPreflightError[];
  errors_truncated: boolean;
  samples: IPreflightSample[];
  token_count_method: 'exact' | 'estimate';
  token_count_note: string;
  max_input_length: number;
  token_stats: ITokenStats;
  histogram: IHistogramBin[];
  truncated_records: number;
  truncated_share: number;
  heldout_prompts: IHeldoutPrompt[];
  heldout_suggestion?: { count: number; note: string };
  source?: {
    kind: 'pasted' | 'upload' | 's3';
    filename?: string;
    uri?: string;
    bytes?: number;
    files?: string[];
  };
}

/** `POST /datasets` (201). */
export interface IStoredDataset {
  dataset_id: string;
  /** s3://…/train.jsonl (SageMaker) or file://…/train.jsonl (local): the training job's dataset_uri. */
  uri: string;
  train_channel_uri: string;
  records: number;
  heldout_records: number;
  dataset_format: DatasetFormat;
  bytes: number;
  backend: BackendName;
  token_count_method: 'exact' | 'estimate';
  truncated_share: number;
  heldout_prompts: IHeldoutPrompt[];
}

export type TrainingJobStatus =
  'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

export interface IStatusTransition {
  status: string;
  start_time: string | null;
  end_time: string | null;
  message: string;
}

export interface ILossPoint {
  step: number;
  loss: number;
  timestamp: string;
}

export interface ILocalTrainingSetting {
  value: number;
  source: 'yours' | 'local default';
  meaning: string;
}

/** Training job JSON (docs/architecture.md "Fine-tuning (training jobs)"). */
export interface ITrainingJob {
  name: string;
  status: TrainingJobStatus;
  secondary_status: string | null;
  status_transitions: IStatusTransition[];
  failure_reason: string | null;
  model_id: string;
  model_display_name: string;
  instance_type: string | null;
  /** As SageMaker received them (strings). */
  hyperparameters: Record<string, string>;
  dataset_uri: string | null;
  created_at: string;
  age_s: number;
  started_at?: string | null;
  ended_at?: string | null;
  /** null in local mode (nothing is billed). */
  price_per_hour: number | null;
  cost_so_far: number | null;
  max_runtime_s: number | null;
  /** Empty in the list; describe the job to get them. */
  loss: ILossPoint[];
  log_tail: string[];
  output_model: string | null;
  can_deploy: boolean;
  backend: BackendName;
  serving_label: string;
  /** Local mode only. */
  progress?: { step: number; of: number | null } | null;
  local_settings?: {
    settings: Record<string, ILocalTrainingSetting>;
    ignored: Record<string, string>;
    method?: string;
  } | null;
  /** Why the loss curve or log tail is unavailable, if so. */
  monitoring_note?: string | null;
}

/** `GET /training-jobs` */
export interface ITrainingJobList {
  training_jobs: ITrainingJob[];
}

/** `POST /training-jobs` body. */
export interface ICreateTrainingJobRequest {
  model_id: string;
  dataset_uri: string;
  dataset_format: DatasetFormat;
  template?: string | null;
  hyperparameters: Record<string, string | number>;
  instance_type?: string | null;
  job_name?: string | null;
  client_token?: string | null;
  max_runtime_s?: number | null;
}

/** The steps an example notebook can be written for. */
export type NotebookStep =
  'deploy' | 'invoke' | 'train' | 'compare' | 'cleanup';

/** `POST /notebooks` body: which step, and exactly the configuration chosen in the panel. */
export interface ICreateNotebookRequest {
  step: NotebookStep;
  /** Default: the active backend's (SageMaker SDK code, or the extension's client in local mode). */
  flavour?: BackendName;
  model_id?: string | null;
  config?: IDeploymentConfig | null;
  /** The endpoint to create (deploy), use (invoke, cleanup) or compare with (train). */
  endpoint_name?: string | null;
  training_job?: string | null;
  parameters?: IInvocationParameters | null;
  prompts?: string[] | null;
  /** compare only: exactly two. */
  endpoints?: { name: string; model_id: string }[] | null;
  dataset_uri?: string | null;
  dataset_format?: DatasetFormat | null;
  hyperparameters?: Record<string, string | number> | null;
  instance_type?: string | null;
}

/** `POST /notebooks` answer (201): the notebook's path relative to the Jupyter root. */
export interface INotebookCreated {
  path: string;
}
