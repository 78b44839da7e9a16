/**
 * Typed client for the server extension's REST API (`/llama-neuron/api/v1`).
 *
 * One function per endpoint; each takes the Jupyter `ServerConnection.ISettings` so requests carry the
 * server's base URL, XSRF token and authentication. Every failure is turned into an `ApiRequestError`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  IApiErrorBody,
  ICostGuard,
  ICreateNotebookRequest,
  INotebookCreated,
  ICreateEndpointRequest,
  IDeleteEndpointResponse,
  IEndpoint,
  IEndpointList,
  IEulaRecord,
  IInvocationRequest,
  IInvocationResult,
  IModelCard,
  IModelList,
  IStatus,
  IStreamHandlers
} from './types';
import {
  ICreateTrainingJobRequest,
  IDatasetRequest,
  IPreflightReport,
  IStoredDataset,
  ITrainingJob,
  ITrainingJobList,
  IUploadResult
} from './types';
import { ISseEvent, SseParser } from '../models/sse';

/** URL prefix of every route, relative to the server's base URL. */
export const API_PREFIX = 'llama-neuron/api/v1';

/** Longest server text we copy into an error message. */
const MAX_BODY_CHARS = 300;

/**
 * An API call failed. `status` is the HTTP status (0 when the server could not be reached), `code` the
 * server's stable error code (e.g. "EulaNotAccepted"), `hint` what the user can do about it.
 */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(options: ApiRequestError.IOptions) {
    super(options.message);
    this.name = 'ApiRequestError';
    this.status = options.status;
    this.code = options.code;
    this.hint = options.hint ?? '';
    this.details = options.details ?? {};
  }
}

export namespace ApiRequestError {
  export interface IOptions {
    status: number;
    code: string;
    message: string;
    hint?: string;
    details?: Record<string, unknown>;
  }
}

/** Whether `value` is an `ApiRequestError` (type guard). */
export function isApiRequestError(value: unknown): value is ApiRequestError {
  return value instanceof ApiRequestError;
}

/** Turn anything thrown into an `ApiRequestError` so the UI has one error shape. */
export function toApiRequestError(value: unknown): ApiRequestError {
  if (value instanceof ApiRequestError) {
    return value;
  }
  const message = value instanceof Error ? value.message : String(value);
  return new ApiRequestError({ status: 0, code: 'ClientError', message });
}

function isErrorBody(value: unknown): value is IApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) {
    return false;
  }
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** Shorten a non-JSON body (often an HTML error page) into one readable line. */
export function summarizeBody(text: string): string {
  let plain = text;
  if (/<\s*(html|body|head|!doctype|title|h1|div|p)\b/i.test(text)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text);
    plain = title
      ? title[1]
      : text
          .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
          .replace(/<[^>]+>/g, ' ');
  }
  plain = plain.replace(/\s+/g, ' ').trim();
  if (plain.length > MAX_BODY_CHARS) {
    plain = plain.slice(0, MAX_BODY_CHARS - 1) + '…';
  }
  return plain;
}

/** Build an `ApiRequestError` from a non-2xx response. */
export async function errorFromResponse(
  response: Response
): Promise<ApiRequestError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    text = '';
  }
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isErrorBody(parsed)) {
    const { code, message, hint, details } = parsed.error;
    return new ApiRequestError({
      status: response.status,
      code: typeof code === 'string' && code ? code : `HTTP${response.status}`,
      message,
      hint: typeof hint === 'string' ? hint : '',
      details
    });
  }
  // Not our JSON: Jupyter's own error pages (404 when the server extension is not enabled, 403 XSRF...).
  const summary = summarizeBody(text);
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  const message = summary
    ? `Server returned ${response.status}${statusText}: ${summary}`
    : `Server returned ${response.status}${statusText}`;
  const hint =
    response.status === 404
      ? 'Is the jupyter_llama_neuron server extension installed and enabled? Check `jupyter server extension list` and restart JupyterLab.'
      : '';
  return new ApiRequestError({
    status: response.status,
    code: `HTTP${response.status}`,
    message,
    hint
  });
}

/**
 * Call the REST API and parse the JSON answer.
 *
 * @param settings - the Jupyter server connection settings
 * @param path - route below `API_PREFIX`, e.g. `/models`
 * @param init - fetch options
 */
export async function requestApi<T>(
  settings: ServerConnection.ISettings,
  path: string,
  init: RequestInit = {}
): Promise<T> {
  const response = await sendApiRequest(settings, path, init);
  const text = await response.text();
  if (!text) {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiRequestError({
      status: response.status,
      code: 'InvalidResponse',
      message: `The server sent a response that is not JSON: ${summarizeBody(text)}`
    });
  }
}

function apiUrl(settings: ServerConnection.ISettings, path: string): string {
  return URLExt.join(settings.baseUrl, API_PREFIX, path);
}

/**
 * Send a request to a route below `API_PREFIX` and answer with the 2xx response; a non-2xx response
 * rejects with its `ApiRequestError`, a failure to connect with code "NetworkError" (or, when `abortable`,
 * code "Aborted" if the request's signal aborted it).
 */
async function sendApiRequest(
  settings: ServerConnection.ISettings,
  path: string,
  init: RequestInit,
  abortable = false
): Promise<Response> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      apiUrl(settings, path),
      init,
      settings
    );
  } catch (error) {
    if (abortable && (init.signal?.aborted || isAbortError(error))) {
      throw abortedError();
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ApiRequestError({
      status: 0,
      code: 'NetworkError',
      message: `Could not reach the Jupyter server: ${message}`,
      hint: 'Check that JupyterLab is still running and your network connection is up.'
    });
  }
  if (!response.ok) {
    throw await errorFromResponse(response);
  }
  return response;
}

function jsonInit(method: string, body: unknown): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

/** `GET /status`: active backend, identity, local model readiness. */
export function getStatus(
  settings: ServerConnection.ISettings
): Promise<IStatus> {
  return requestApi<IStatus>(settings, '/status');
}

/** `GET /models`: the catalog. */
export function listModels(
  settings: ServerConnection.ISettings
): Promise<IModelList> {
  return requestApi<IModelList>(settings, '/models');
}

/** `GET /models/{id}`: the model card. */
export function getModel(
  settings: ServerConnection.ISettings,
  modelId: string
): Promise<IModelCard> {
  return requestApi<IModelCard>(settings, `/models/${segment(modelId)}`);
}

/** `POST /models/{id}/eula`: record the acceptance of the Llama 2 licence and AUP. */
export function acceptEula(
  settings: ServerConnection.ISettings,
  modelId: string,
  sameLicense = false
): Promise<IEulaRecord> {
  return requestApi<IEulaRecord>(
    settings,
    `/models/${segment(modelId)}/eula`,
    jsonInit(
      'POST',
      sameLicense ? { accept: true, same_license: true } : { accept: true }
    )
  );
}

/** `GET /endpoints`: the endpoints this extension created. */
export function listEndpoints(
  settings: ServerConnection.ISettings
): Promise<IEndpointList> {
  return requestApi<IEndpointList>(settings, '/endpoints');
}

/** `POST /endpoints`: start creating an endpoint (202). */
export function createEndpoint(
  settings: ServerConnection.ISettings,
  body: ICreateEndpointRequest
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(settings, '/endpoints', jsonInit('POST', body));
}

/** `GET /endpoints/{name}` */
export function getEndpoint(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(settings, `/endpoints/${segment(name)}`);
}

/** `DELETE /endpoints/{name}`: delete the endpoint, its endpoint config and model. */
export function deleteEndpoint(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IDeleteEndpointResponse> {
  return requestApi<IDeleteEndpointResponse>(
    settings,
    `/endpoints/${segment(name)}`,
    { method: 'DELETE' }
  );
}

/** `POST /endpoints/{name}/invocations` */
export function invokeEndpoint(
  settings: ServerConnection.ISettings,
  name: string,
  body: IInvocationRequest
): Promise<IInvocationResult> {
  return requestApi<IInvocationResult>(
    settings,
    `/endpoints/${segment(name)}/invocations`,
    jsonInit('POST', body)
  );
}

/** `GET /cost-guard`: hourly burn, idle times, auto-delete warnings and deletions. */
export function getCostGuard(
  settings: ServerConnection.ISettings
): Promise<ICostGuard> {
  return requestApi<ICostGuard>(settings, '/cost-guard');
}

/** `PUT /endpoints/{name}/auto-delete`: idle minutes (0 never, null = the server default). */
export function setEndpointAutoDelete(
  settings: ServerConnection.ISettings,
  name: string,
  idleMinutes: number | null
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(
    settings,
    `/endpoints/${segment(name)}/auto-delete`,
    jsonInit('PUT', { idle_minutes: idleMinutes })
  );
}

/** `POST /endpoints/{name}/keep`: no auto-delete for `minutes` (default: the endpoint's limit). */
export function keepEndpoint(
  settings: ServerConnection.ISettings,
  name: string,
  minutes?: number
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(
    settings,
    `/endpoints/${segment(name)}/keep`,
    jsonInit('POST', minutes === undefined ? {} : { minutes })
  );
}

/** Whether an error is the one fetch and our client raise when the caller aborted. */
export function isAbortError(value: unknown): boolean {
  if (value instanceof ApiRequestError) {
    return value.code === 'Aborted';
  }
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'AbortError'
  );
}

function abortedError(): ApiRequestError {
  return new ApiRequestError({
    status: 0,
    code: 'Aborted',
    message: 'The request was stopped.'
  });
}

function parseEventData(event: ISseEvent): Record<string, unknown> {
  try {
    const value = JSON.parse(event.data) as unknown;
    if (typeof value === 'object' && value !== null) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new ApiRequestError({
    status: 200,
    code: 'InvalidResponse',
    message: `The server sent a "${event.event}" event whose data is not a JSON object: ${summarizeBody(event.data)}`
  });
}

function streamErrorFromEvent(
  status: number,
  data: Record<string, unknown>
): ApiRequestError {
  const error = data.error as Record<string, unknown> | undefined;
  if (error && typeof error === 'object' && typeof error.message === 'string') {
    return new ApiRequestError({
      status,
      code:
        typeof error.code === 'string' && error.code
          ? error.code
          : 'StreamError',
      message: error.message,
      hint: typeof error.hint === 'string' ? error.hint : '',
      details:
        typeof error.details === 'object' && error.details !== null
          ? (error.details as Record<string, unknown>)
          : undefined
    });
  }
  return new ApiRequestError({
    status,
    code: 'StreamError',
    message: 'The endpoint reported an error while answering.'
  });
}

/**
 * `POST /endpoints/{name}/invocations` with `Accept: text/event-stream`: tokens are passed to
 * `handlers.onToken` as they arrive; resolves with the `done` event's result. Aborting `signal` closes the
 * connection (the server then cancels the generation) and rejects with code "Aborted". A JSON error
 * (status >= 400) or an `error` event rejects with an `ApiRequestError`. A 2xx JSON answer (a server that
 * does not stream) resolves as a single, non-streamed response.
 */
export async function streamInvocation(
  settings: ServerConnection.ISettings,
  name: string,
  body: IInvocationRequest,
  handlers: IStreamHandlers = {},
  signal?: AbortSignal
): Promise<IInvocationResult> {
  if (signal?.aborted) {
    throw abortedError();
  }
  const init: RequestInit = {
    method: 'POST',
    body: JSON.stringify(body),
    headers: {
      'Content-Type': 'application/json',
      Accept: 'text/event-stream'
    },
    signal
  };
  const response = await sendApiRequest(
    settings,
    `/endpoints/${segment(name)}/invocations`,
    init,
    true
  );
  const contentType = (
    response.headers.get('Content-Type') ?? ''
  ).toLowerCase();
  if (!contentType.includes('text/event-stream')) {
    const text = await response.text();
    if (contentType.includes('json')) {
      try {
        const result = JSON.parse(text) as IInvocationResult;
        return { ...result, streamed: false };
      } catch {
        // fall through
      }
    }
    throw new ApiRequestError({
      status: response.status,
      code: 'InvalidResponse',
      message: `Expected an event stream, the server sent "${contentType || 'no content type'}": ${summarizeBody(text)}`
    });
  }
  if (!response.body) {
    throw new ApiRequestError({
      status: response.status,
      code: 'InvalidResponse',
      message: 'The server sent an empty event stream.'
    });
  }

  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  const status = response.status;
  let result: IInvocationResult | null = null;
  const onAbort = (): void => {
    void reader.cancel().catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort);

  const handle = (event: ISseEvent): void => {
    switch (event.event) {
      case 'token': {
        const data = parseEventData(event);
        if (typeof data.text === 'string' && data.text) {
          handlers.onToken?.(data.text);
        }
        break;
      }
      case 'fallback': {
        const data = parseEventData(event);
        handlers.onFallback?.(
          typeof data.reason === 'string' ? data.reason : ''
        );
        break;
      }
      case 'done':
        result = parseEventData(event) as unknown as IInvocationResult;
        break;
      case 'error':
        throw streamErrorFromEvent(status, parseEventData(event));
      default:
        // Unknown events (and keep-alive "message"s) are ignored.
        break;
    }
  };

  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted) {
          throw abortedError();
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new ApiRequestError({
          status,
          code: 'StreamInterrupted',
          message: `The connection closed while the answer was streaming: ${message}`
        });
      }
      if (signal?.aborted) {
        throw abortedError();
      }
      if (chunk.done) {
        break;
      }
      for (const event of parser.feed(
        decoder.decode(chunk.value, { stream: true })
      )) {
        handle(event);
        if (result) {
          break;
        }
      }
      if (result) {
        break;
      }
    }
    if (!result) {
      for (const event of parser.feed(decoder.decode())) {
        handle(event);
      }
      for (const event of parser.end(true)) {
        handle(event);
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Release the connection (a no-op when the stream already ended).
    void reader.cancel().catch(() => undefined);
  }
  if (!result) {
    throw new ApiRequestError({
      status,
      code: 'StreamIncomplete',
      message: 'The answer stream ended before the endpoint finished.'
    });
  }
  return result;
}

/* ---- Datasets and fine-tuning ---- */

/** Progress of an upload: bytes sent so far out of `total`. */
export type UploadProgressHandler = (loaded: number, total: number) => void;

/** The last `_xsrf` cookie, as `ServerConnection` reads it (Tornado keeps the last duplicate). */
function xsrfCookie(): string | undefined {
  let cookie = '';
  try {
    cookie = typeof document === 'undefined' ? '' : document.cookie;
  } catch {
    return undefined;
  }
  let value: string | undefined;
  for (const part of cookie.split(';')) {
    const trimmed = part.trim();
    if (trimmed.startsWith('_xsrf=')) {
      value = trimmed.substring('_xsrf='.length);
    }
  }
  return value;
}

/** Parse an upload answer the way `requestApi` parses a `Response`. */
async function uploadResult(
  status: number,
  statusText: string,
  text: string
): Promise<IUploadResult> {
  if (status < 200 || status >= 300) {
    throw await errorFromResponse(
      new Response(text, { status, statusText: statusText || undefined })
    );
  }
  try {
    return JSON.parse(text) as IUploadResult;
  } catch {
    throw new ApiRequestError({
      status,
      code: 'InvalidResponse',
      message: `The server sent a response that is not JSON: ${summarizeBody(text)}`
    });
  }
}

/**
 * `POST /datasets/uploads?filename=…`: send the file as the raw body (the browser streams it from disk).
 * With `onProgress`, the request goes through `XMLHttpRequest` (fetch reports no upload progress) with the
 * same authentication as `ServerConnection` (the settings' token and the `_xsrf` cookie); otherwise
 * through `ServerConnection.makeRequest`. 413 when the file exceeds the server's upload limit.
 */
export async function uploadDataset(
  settings: ServerConnection.ISettings,
  file: File,
  onProgress?: UploadProgressHandler,
  signal?: AbortSignal
): Promise<IUploadResult> {
  const path = `/datasets/uploads?filename=${encodeURIComponent(file.name)}`;
  if (!onProgress || typeof XMLHttpRequest === 'undefined') {
    return requestApi<IUploadResult>(settings, path, {
      method: 'POST',
      body: file,
      headers: { 'Content-Type': 'application/octet-stream' },
      signal
    });
  }
  if (signal?.aborted) {
    throw abortedError();
  }
  const url = apiUrl(settings, path);
  const { status, statusText, text } = await new Promise<{
    status: number;
    statusText: string;
    text: string;
  }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = settings.init.credentials === 'include';
    if (settings.token) {
      xhr.setRequestHeader('Authorization', `token ${settings.token}`);
    }
    const xsrf = xsrfCookie();
    if (xsrf !== undefined) {
      xhr.setRequestHeader('X-XSRFToken', xsrf);
    }
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = event => {
      onProgress(
        event.loaded,
        event.lengthComputable ? event.total : file.size
      );
    };
    const onAbort = (): void => xhr.abort();
    signal?.addEventListener('abort', onAbort);
    xhr.onload = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve({
        status: xhr.status,
        statusText: xhr.statusText,
        text: typeof xhr.responseText === 'string' ? xhr.responseText : ''
      });
    };
    xhr.onerror = () => {
      signal?.removeEventListener('abort', onAbort);
      reject(
        new ApiRequestError({
          status: 0,
          code: 'NetworkError',
          message: 'Could not reach the Jupyter server: the upload failed.',
          hint: 'Check that JupyterLab is still running and your network connection is up.'
        })
      );
    };
    xhr.onabort = () => {
      signal?.removeEventListener('abort', onAbort);
      reject(abortedError());
    };
    xhr.send(file);
  });
  return uploadResult(status, statusText, text);
}

/** `POST /datasets/preflight`: validate and render a dataset; data problems come back in the report. */
export function preflightDataset(
  settings: ServerConnection.ISettings,
  body: IDatasetRequest
): Promise<IPreflightReport> {
  return requestApi<IPreflightReport>(
    settings,
    '/datasets/preflight',
    jsonInit('POST', body)
  );
}

/** `POST /datasets`: render and store the training file (201); 400 DatasetHasErrors when it has errors. */
export function storeDataset(
  settings: ServerConnection.ISettings,
  body: IDatasetRequest
): Promise<IStoredDataset> {
  return requestApi<IStoredDataset>(
    settings,
    '/datasets',
    jsonInit('POST', body)
  );
}

/** `GET /training-jobs` (loss and log_tail may be empty in the list). */
export function listTrainingJobs(
  settings: ServerConnection.ISettings
): Promise<ITrainingJobList> {
  return requestApi<ITrainingJobList>(settings, '/training-jobs');
}

/** `POST /training-jobs`: start fine-tuning (202). */
export function createTrainingJob(
  settings: ServerConnection.ISettings,
  body: ICreateTrainingJobRequest
): Promise<ITrainingJob> {
  return requestApi<ITrainingJob>(
    settings,
    '/training-jobs',
    jsonInit('POST', body)
  );
}

/** `GET /training-jobs/{name}`: status, loss series, log tail, output model. */
export function getTrainingJob(
  settings: ServerConnection.ISettings,
  name: string
): Promise<ITrainingJob> {
  return requestApi<ITrainingJob>(settings, `/training-jobs/${segment(name)}`);
}

/** `POST /training-jobs/{name}/stop` */
export function stopTrainingJob(
  settings: ServerConnection.ISettings,
  name: string
): Promise<ITrainingJob> {
  return requestApi<ITrainingJob>(
    settings,
    `/training-jobs/${segment(name)}/stop`,
    { method: 'POST' }
  );
}

/** `POST /notebooks`: write an example notebook for one step into the Jupyter root (201 `{path}`). */
export function createNotebook(
  settings: ServerConnection.ISettings,
  body: ICreateNotebookRequest
): Promise<INotebookCreated> {
  return requestApi<INotebookCreated>(
    settings,
    '/notebooks',
    jsonInit('POST', body)
  );
}

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
  invokeEndpoint(
    name: string,
    body: IInvocationRequest
  ): Promise<IInvocationResult>;
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
    invokeEndpoint: (name, body) => invokeEndpoint(settings, name, body),
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
    keepEndpoint: (name, minutes) => keepEndpoint(settings, name, minutes)
  };
}
