/**
 * Names for the REST JSON shapes of `/llama-neuron/api/v1`.
 *
 * The shapes themselves are generated from `jupyter_llama_neuron/openapi/` into `./schema.ts`
 * (`jlpm build:api-types`; CI fails when it is stale): to change a shape, change the contract.
 * Keys are the server's (snake_case).
 */
import type { components } from './schema';

type Schemas = components['schemas'];
type ModelCard = Schemas['ModelCard'];
type TrainingSpec = ModelCard['training'];

/* ---- Status and catalog ---- */

/** Which backend serves requests. */
export type BackendName = Schemas['Status']['backend'];
/** `GET /status` */
export type IStatus = Schemas['Status'];

/* ---- The server's rules (`GET /status` `rules`): the UI checks these, and copies none ---- */

export type IServerRules = Schemas['ServerRules'];
export type IInferenceRules = IServerRules['inference_parameters'];
export type IInferenceParameterSpec = Schemas['InferenceParameterSpec'];
export type IResourceNameRule = IServerRules['resource_name'];
export type IDatasetUriRule = IServerRules['dataset_uri'];
export type ITrainingRules = IServerRules['training'];
export type ILocalHyperparameterRules = ITrainingRules['local_hyperparameters'];

/** An item of `GET /models`. */
export type IModelSummary = Schemas['ModelSummary'];
/** `GET /models` */
export type IModelList = Schemas['ModelList'];
/** `POST /models/{id}/eula` response and `card.eula`. */
export type IEulaRecord = Schemas['EulaRecord'];
/** One precompiled Neuron configuration: the four OPTION_* values and the instance they were compiled for. */
export type IDeploymentConfig = Schemas['DeploymentConfig'];
export type IPrecompiledConfig = Schemas['PrecompiledConfig'];
export type IHyperparameter = Schemas['Hyperparameter'];
export type HyperparameterValue = IHyperparameter['default'];
export type ITrainingInstance = TrainingSpec['instance_types'][number];
/** What the fine-tuning cost estimate assumes (`card.training.duration_assumption`): not a measurement. */
export type IDurationAssumption = Schemas['DurationAssumption'];
export type ITrainingSpec = TrainingSpec;
/** Invocation parameters (SageMaker LMI payload `parameters`). */
export type IInvocationParameters = Schemas['InvocationParameters'];
/** `GET /models/{id}` */
export type IModelCard = ModelCard;
/** One of a model card's example prompts ("Try this"). */
export type IExamplePrompt = ModelCard['example_prompts'][number];

/* ---- Endpoints and the cost guard ---- */

/** SageMaker's EndpointStatus values; local mode uses the same words. */
export type EndpointStatus = Schemas['Endpoint']['status'];
/** Endpoint JSON. */
export type IEndpoint = Schemas['Endpoint'];
/** One endpoint as `GET /cost-guard` reports it. */
export type ICostGuardEndpoint = Schemas['CostGuardEndpoint'];
/** An endpoint the cost guard will delete soon unless it is used or kept. */
export type ICostGuardWarning = Schemas['CostGuardWarning'];
/** `GET /cost-guard` */
export type ICostGuard = Schemas['CostGuard'];
/** `GET /endpoints` */
export type IEndpointList = Schemas['EndpointList'];
/** `POST /endpoints` body. */
export type ICreateEndpointRequest = Schemas['CreateEndpoint'];
/** `DELETE /endpoints/{name}` */
export type IDeleteEndpointResponse = Schemas['DeleteResult'];

/* ---- Invocations ---- */

export type IChatMessage = Schemas['ChatMessage'];
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
/** `POST /endpoints/{name}/invocations` body (the contract's `InvocationRequest`, one of its two forms). */
export type IInvocationRequest =
  IPromptInvocationRequest | IChatInvocationRequest;
/** The exact body a SageMaker endpoint receives for a request (chat rendered with the Llama 2 template). */
export type ISageMakerPayload = Schemas['SageMakerPayload'];
/** `POST /endpoints/{name}/invocations` response (and the `done` event of a stream). */
export type IInvocationResult = Schemas['InvocationResult'];

/** Callbacks of a streamed invocation (`Accept: text/event-stream`); not JSON, so not in the contract. */
export interface IStreamHandlers {
  /** An incremental piece of the answer. */
  onToken?: (text: string) => void;
  /** The endpoint cannot stream; one complete answer follows in `done`. */
  onFallback?: (reason: string) => void;
}

/** Error body of every non-2xx response. */
export type IApiErrorBody = Schemas['Error'];

/* ---- Datasets and fine-tuning (training jobs) ---- */

/** `domain`: plain text; `instruction`: instruction/context/response records rendered through a template. */
export type DatasetFormat = Schemas['DatasetRequest']['dataset_format'];
/** `POST /datasets/uploads?filename=…` (201). */
export type IUploadResult = Schemas['UploadResult'];
/** `POST /datasets/preflight` and `POST /datasets` body: exactly one source, pasted or a `uri`. */
export type IDatasetRequest = Schemas['DatasetRequest'];
export type IHistogramBin = Schemas['HistogramBin'];
/** `POST /datasets/preflight` (200): problems in the data are listed here, not raised. */
export type IPreflightReport = Schemas['PreflightReport'];
/** `POST /datasets` (201). */
export type IStoredDataset = Schemas['StoredDataset'];

export type ILossPoint = Schemas['LossPoint'];
/** Training job JSON. */
export type ITrainingJob = Schemas['TrainingJob'];
export type TrainingJobStatus = ITrainingJob['status'];
/** `GET /training-jobs` */
export type ITrainingJobList = Schemas['TrainingJobList'];
/** `POST /training-jobs` body. */
export type ICreateTrainingJobRequest = Schemas['CreateTrainingJob'];

/* ---- Example notebooks ---- */

/** `POST /notebooks` body: which step, and exactly the configuration chosen in the panel. */
export type ICreateNotebookRequest = Schemas['CreateNotebook'];
/** `POST /notebooks` answer (201): the notebook's path relative to the Jupyter root. */
export type INotebookCreated = Schemas['NotebookCreated'];

/* ---- Local storage ---- */

/** What a storage item is: the converted model, a stored dataset, a job's fine-tuned model, an upload, held-out rows. */
export type StorageKind = Schemas['StorageKind'];
/** One item of `GET /storage`, with its size and the endpoints/jobs using it. */
export type IStorageItem = Schemas['StorageItem'];
/** `GET /storage` and the answer of `DELETE /storage/{kind}/{id}`. */
export type ILocalStorage = Schemas['LocalStorage'];
