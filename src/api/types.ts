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
}

export interface ITrainingSpec {
  supported: boolean;
  note: string;
  default_instance_type: string | null;
  instance_types: ITrainingInstance[];
  hyperparameters: IHyperparameter[];
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
