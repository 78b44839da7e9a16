import { ServerConnection } from '@jupyterlab/services';

import {
  ApiRequestError,
  createApiClient,
  isAbortError,
  streamInvocation
} from '../api/client';

const BASE = 'http://localhost:8888/lab-base/';

/** The ReadableStream constructor of the fetch implementation (jsdom has none of its own). */
const Stream = new Response('').body!.constructor as typeof ReadableStream;

interface ISeen {
  url: string;
  accept: string | null;
  body: string;
  signal: AbortSignal | null;
}

function server(respond: (req: ISeen) => Response): {
  settings: ServerConnection.ISettings;
  seen: ISeen[];
} {
  const seen: ISeen[] = [];
  const fetchMock = jest.fn(async (input: RequestInfo | URL) => {
    const request = input as Request;
    const parsed = new URL(request.url);
    const req: ISeen = {
      url: `${parsed.origin}${parsed.pathname}`,
      accept: request.headers.get('Accept'),
      body: await request.text(),
      signal: request.signal
    };
    seen.push(req);
    return respond(req);
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    fetch: fetchMock as unknown as typeof fetch
  });
  return { settings, seen };
}

/** A Response whose body delivers `chunks` one by one (strings, as UTF-8 bytes). */
function sse(
  chunks: (string | Uint8Array)[],
  options: { keepOpen?: boolean; onCancel?: () => void } = {}
): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new Stream({
    pull(controller) {
      if (index < chunks.length) {
        const chunk = chunks[index++];
        controller.enqueue(
          typeof chunk === 'string' ? encoder.encode(chunk) : chunk
        );
      } else if (!options.keepOpen) {
        controller.close();
      } else {
        return new Promise<void>(() => undefined);
      }
    },
    cancel() {
      options.onCancel?.();
    }
  });
  return new Response(body as unknown as BodyInit, {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8' }
  });
}

const DONE = {
  generated_text: 'Hello world',
  tokens_out: 2,
  latency_s: 0.8,
  ttft_s: 0.2,
  finish_reason: 'eos',
  streamed: true,
  sagemaker_payload: { inputs: 'Hi', parameters: { max_new_tokens: 8 } }
};

const BODY = { inputs: 'Hi', parameters: { max_new_tokens: 8 } };

async function rejection(promise: Promise<unknown>): Promise<ApiRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiRequestError);
    return error as ApiRequestError;
  }
  throw new Error('expected the call to fail');
}

describe('streamInvocation', () => {
  it('posts with Accept: text/event-stream and passes tokens as they arrive', async () => {
    const { settings, seen } = server(() =>
      sse([
        'event: token\ndata: {"text": "Hel',
        'lo"}\n\nevent: tok',
        'en\r\ndata: {"text": " world"}\r\n\r\n',
        `event: done\ndata: ${JSON.stringify(DONE)}\n\n`
      ])
    );
    const tokens: string[] = [];
    const result = await streamInvocation(settings, 'ep 1', BODY, {
      onToken: text => tokens.push(text)
    });
    expect(tokens).toEqual(['Hello', ' world']);
    expect(result).toEqual(DONE);
    expect(seen[0].url).toBe(
      `${BASE}llama-neuron/api/v1/endpoints/ep%201/invocations`
    );
    expect(seen[0].accept).toBe('text/event-stream');
    expect(JSON.parse(seen[0].body)).toEqual(BODY);
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode(
      'event: token\ndata: {"text": "café"}\n\n'
    );
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    const { settings } = server(() =>
      sse([
        bytes.slice(0, cut),
        bytes.slice(cut),
        `event: done\ndata: ${JSON.stringify(DONE)}\n\n`
      ])
    );
    const tokens: string[] = [];
    await streamInvocation(settings, 'e', BODY, {
      onToken: text => tokens.push(text)
    });
    expect(tokens).toEqual(['café']);
  });

  it('reports a fallback and resolves with the single answer', async () => {
    const { settings } = server(() =>
      sse([
        'event: fallback\ndata: {"reason": "endpoint does not stream"}\n\n',
        `event: done\ndata: ${JSON.stringify({ ...DONE, streamed: false })}\n\n`
      ])
    );
    const onFallback = jest.fn();
    const onToken = jest.fn();
    const result = await streamInvocation(settings, 'e', BODY, {
      onFallback,
      onToken
    });
    expect(onFallback).toHaveBeenCalledWith('endpoint does not stream');
    expect(onToken).not.toHaveBeenCalled();
    expect(result.streamed).toBe(false);
  });

  it('rejects with the error event as an ApiRequestError', async () => {
    const { settings } = server(() =>
      sse([
        'event: token\ndata: {"text": "a"}\n\n',
        'event: error\ndata: {"error": {"code": "ModelError", "message": "The endpoint failed.", "hint": "Check its logs."}}\n\n'
      ])
    );
    const error = await rejection(streamInvocation(settings, 'e', BODY));
    expect(error).toMatchObject({
      code: 'ModelError',
      message: 'The endpoint failed.',
      hint: 'Check its logs.'
    });
  });

  it('raises the JSON error of a response that is not an event stream', async () => {
    const { settings } = server(
      () =>
        new Response(
          JSON.stringify({
            error: {
              code: 'InvalidParameter',
              message: 'Parameter top_p must be a number in (0, 1); got 1.',
              hint: 'Nucleus sampling.'
            }
          }),
          { status: 400, headers: { 'Content-Type': 'application/json' } }
        )
    );
    const error = await rejection(streamInvocation(settings, 'e', BODY));
    expect(error).toMatchObject({ status: 400, code: 'InvalidParameter' });
  });

  it('accepts a 2xx JSON answer from a server that does not stream', async () => {
    const { settings } = server(
      () =>
        new Response(JSON.stringify({ ...DONE, streamed: undefined }), {
          status: 200,
          headers: { 'Content-Type': 'application/json' }
        })
    );
    const result = await streamInvocation(settings, 'e', BODY);
    expect(result.generated_text).toBe('Hello world');
    expect(result.streamed).toBe(false);
  });

  it('rejects a 2xx answer that is neither an event stream nor JSON', async () => {
    const { settings } = server(
      () =>
        new Response('<html><title>Proxy page</title></html>', {
          status: 200,
          headers: { 'Content-Type': 'text/html' }
        })
    );
    const error = await rejection(streamInvocation(settings, 'e', BODY));
    expect(error.code).toBe('InvalidResponse');
    expect(error.message).toContain('Proxy page');
  });

  it('rejects when the stream ends before done', async () => {
    const { settings } = server(() =>
      sse(['event: token\ndata: {"text": "a"}\n\n'])
    );
    const error = await rejection(streamInvocation(settings, 'e', BODY));
    expect(error.code).toBe('StreamIncomplete');
  });

  it('accepts a done event without the final blank line', async () => {
    const { settings } = server(() =>
      sse([`event: done\ndata: ${JSON.stringify(DONE)}`])
    );
    await expect(streamInvocation(settings, 'e', BODY)).resolves.toEqual(DONE);
  });

  it('aborting closes the connection and rejects with code Aborted', async () => {
    const onCancel = jest.fn();
    const { settings } = server(() =>
      sse(['event: token\ndata: {"text": "a"}\n\n'], {
        keepOpen: true,
        onCancel
      })
    );
    const controller = new AbortController();
    const tokens: string[] = [];
    const promise = streamInvocation(
      settings,
      'e',
      BODY,
      {
        onToken: text => {
          tokens.push(text);
          controller.abort();
        }
      },
      controller.signal
    );
    const error = await rejection(promise);
    expect(error.code).toBe('Aborted');
    expect(isAbortError(error)).toBe(true);
    expect(tokens).toEqual(['a']);
    expect(onCancel).toHaveBeenCalled();
  });

  it('does not send anything when already aborted', async () => {
    const { settings, seen } = server(() => sse([]));
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      streamInvocation(settings, 'e', BODY, {}, controller.signal)
    );
    expect(error.code).toBe('Aborted');
    expect(seen).toHaveLength(0);
  });

  it('is bound in createApiClient and sends chat messages', async () => {
    const { settings, seen } = server(() =>
      sse([`event: done\ndata: ${JSON.stringify(DONE)}\n\n`])
    );
    const api = createApiClient(settings);
    const chat = {
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'Hi' }
      ],
      parameters: { max_new_tokens: 8 }
    };
    await api.streamInvocation('chat', chat);
    expect(JSON.parse(seen[0].body)).toEqual(chat);
  });
});
