/**
 * Typed client for the server extension's REST API (`/llama-neuron/api/v1`).
 *
 * One function per endpoint, grouped by resource (`catalog`, `endpoints`, `invocations`, `training`,
 * `notebooks`, `storage`); each takes the Jupyter `ServerConnection.ISettings` so requests carry the server's base URL,
 * XSRF token and authentication. Every failure is turned into an `ApiRequestError` (`request.ts`).
 * `IApiClient` binds them to one server: what the UI and the models use (and what tests replace).
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  ICostGuard,
  ICreateEndpointRequest,
  ICreateNotebookRequest,
  ICreateTrainingJobRequest,
  IDatasetRequest,
  IDeleteEndpointResponse,
  IEndpoint,
  IEndpointList,
  IEulaRecord,
  IInvocationRequest,
  IInvocationResult,
  ILocalStorage,
  IModelCard,
  IModelList,
  ISageMakerPayload,
  INotebookCreated,
  IPreflightReport,
  IStatus,
  IStoredDataset,
  IStreamHandlers,
  StorageKind,
  ITrainingJob,
  ITrainingJobList,
  IUploadResult
} from './types';
import { acceptEula, getModel, getStatus, listModels } from './catalog';
import {
  createEndpoint,
  deleteEndpoint,
  getCostGuard,
  getEndpoint,
  keepEndpoint,
  listEndpoints,
  restartEndpoint,
  setEndpointAutoDelete
} from './endpoints';
import {
  invokeEndpoint,
  renderSageMakerPayload,
  streamInvocation
} from './invocations';
import { createNotebook } from './notebooks';
import { deleteLocalStorage, listLocalStorage } from './storage';
import {
  createTrainingJob,
  getTrainingJob,
  listTrainingJobs,
  preflightDataset,
  stopTrainingJob,
  storeDataset,
  uploadDataset,
  UploadProgressHandler
} from './training';

export {
  API_PREFIX,
  ApiRequestError,
  errorFromResponse,
  isAbortError,
  requestApi,
  summarizeBody,
  toApiRequestError
} from './request';
export * from './catalog';
export * from './endpoints';
export * from './invocations';
export * from './notebooks';
export * from './storage';
export * from './training';

/**
 * The API bound to one server: what the UI and the models use (and what tests replace).
 */
export interface IApiClient {
  getStatus(): Promise<IStatus>;
  listModels(): Promise<IModelList>;
  getModel(modelId: string): Promise<IModelCard>;
  /** `sameLicense`: also accept it for every model under the same licence (one record each). */
  acceptEula(modelId: string, sameLicense?: boolean): Promise<IEulaRecord>;
  listEndpoints(): Promise<IEndpointList>;
  createEndpoint(body: ICreateEndpointRequest): Promise<IEndpoint>;
  getEndpoint(name: string): Promise<IEndpoint>;
  deleteEndpoint(name: string): Promise<IDeleteEndpointResponse>;
  /** Start a Failed endpoint again (only when its `actions` include `restart`). */
  restartEndpoint(name: string): Promise<IEndpoint>;
  invokeEndpoint(
    name: string,
    body: IInvocationRequest
  ): Promise<IInvocationResult>;
  renderSageMakerPayload(body: IInvocationRequest): Promise<ISageMakerPayload>;
  streamInvocation(
    name: string,
    body: IInvocationRequest,
    handlers?: IStreamHandlers,
    signal?: AbortSignal
  ): Promise<IInvocationResult>;
  uploadDataset(
    file: File,
    onProgress?: UploadProgressHandler,
    signal?: AbortSignal
  ): Promise<IUploadResult>;
  preflightDataset(body: IDatasetRequest): Promise<IPreflightReport>;
  storeDataset(body: IDatasetRequest): Promise<IStoredDataset>;
  listTrainingJobs(): Promise<ITrainingJobList>;
  createTrainingJob(body: ICreateTrainingJobRequest): Promise<ITrainingJob>;
  getTrainingJob(name: string): Promise<ITrainingJob>;
  stopTrainingJob(name: string): Promise<ITrainingJob>;
  getCostGuard(): Promise<ICostGuard>;
  createNotebook(body: ICreateNotebookRequest): Promise<INotebookCreated>;
  setEndpointAutoDelete(
    name: string,
    idleMinutes: number | null
  ): Promise<IEndpoint>;
  keepEndpoint(name: string, minutes?: number): Promise<IEndpoint>;
  listLocalStorage(): Promise<ILocalStorage>;
  deleteLocalStorage(kind: StorageKind, id: string): Promise<ILocalStorage>;
}

/** Bind every API function to `settings`. */
export function createApiClient(
  settings: ServerConnection.ISettings
): IApiClient {
  return {
    getStatus: () => getStatus(settings),
    listModels: () => listModels(settings),
    getModel: modelId => getModel(settings, modelId),
    acceptEula: (modelId, sameLicense) =>
      acceptEula(settings, modelId, sameLicense),
    listEndpoints: () => listEndpoints(settings),
    createEndpoint: body => createEndpoint(settings, body),
    getEndpoint: name => getEndpoint(settings, name),
    deleteEndpoint: name => deleteEndpoint(settings, name),
    restartEndpoint: name => restartEndpoint(settings, name),
    invokeEndpoint: (name, body) => invokeEndpoint(settings, name, body),
    renderSageMakerPayload: body => renderSageMakerPayload(settings, body),
    streamInvocation: (name, body, handlers, signal) =>
      streamInvocation(settings, name, body, handlers, signal),
    uploadDataset: (file, onProgress, signal) =>
      uploadDataset(settings, file, onProgress, signal),
    preflightDataset: body => preflightDataset(settings, body),
    storeDataset: body => storeDataset(settings, body),
    listTrainingJobs: () => listTrainingJobs(settings),
    createTrainingJob: body => createTrainingJob(settings, body),
    getTrainingJob: name => getTrainingJob(settings, name),
    stopTrainingJob: name => stopTrainingJob(settings, name),
    getCostGuard: () => getCostGuard(settings),
    createNotebook: body => createNotebook(settings, body),
    setEndpointAutoDelete: (name, idleMinutes) =>
      setEndpointAutoDelete(settings, name, idleMinutes),
    keepEndpoint: (name, minutes) => keepEndpoint(settings, name, minutes),
    listLocalStorage: () => listLocalStorage(settings),
    deleteLocalStorage: (kind, id) => deleteLocalStorage(settings, kind, id)
  };
}
