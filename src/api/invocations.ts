/**
 * REST calls that prompt an endpoint: one JSON answer, or a stream of server-sent events.
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  IInvocationRequest,
  IInvocationResult,
  ISageMakerPayload,
  IStreamHandlers
} from './types';
import {
  ApiRequestError,
  abortedError,
  jsonInit,
  requestApi,
  segment,
  sendApiRequest,
  summarizeBody
} from './request';
import { ISseEvent, SseParser } from '../models/sse';

/** `POST /sagemaker-payload`: the body SageMaker would receive for a request (chat rendered on the server). */
export function renderSageMakerPayload(
  settings: ServerConnection.ISettings,
  body: IInvocationRequest
): Promise<ISageMakerPayload> {
  return requestApi<ISageMakerPayload>(
    settings,
    '/sagemaker-payload',
    jsonInit('POST', body)
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
