/**
 * What every call of the REST API shares: the URL prefix, the one error shape (`ApiRequestError`, built
 * from the server's `{"error": {code, message, hint}}` or from what went wrong on the way), and sending a
 * request with the Jupyter server's settings (base URL, XSRF token, authentication).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IApiErrorBody } from './types';

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

export function apiUrl(
  settings: ServerConnection.ISettings,
  path: string
): string {
  return URLExt.join(settings.baseUrl, API_PREFIX, path);
}

/**
 * Send a request to a route below `API_PREFIX` and answer with the 2xx response; a non-2xx response
 * rejects with its `ApiRequestError`, a failure to connect with code "NetworkError" (or, when `abortable`,
 * code "Aborted" if the request's signal aborted it).
 */
export async function sendApiRequest(
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

export function jsonInit(method: string, body: unknown): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  };
}

export function segment(value: string): string {
  return encodeURIComponent(value);
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

export function abortedError(): ApiRequestError {
  return new ApiRequestError({
    status: 0,
    code: 'Aborted',
    message: 'The request was stopped.'
  });
}
