/**
 * REST calls of datasets (upload, preflight, store) and training jobs: one typed function per endpoint.
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  ICreateTrainingJobRequest,
  IDatasetRequest,
  IPreflightReport,
  IStoredDataset,
  ITrainingJob,
  ITrainingJobList,
  IUploadResult
} from './types';
import {
  ApiRequestError,
  abortedError,
  apiUrl,
  errorFromResponse,
  jsonInit,
  requestApi,
  segment,
  summarizeBody
} from './request';

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
