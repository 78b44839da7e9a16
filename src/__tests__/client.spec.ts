import { ServerConnection } from '@jupyterlab/services';

import {
  acceptEula,
  ApiRequestError,
  createApiClient,
  createEndpoint,
  deleteEndpoint,
  getModel,
  getStatus,
  invokeEndpoint,
  listEndpoints,
  listModels,
  summarizeBody,
  toApiRequestError
} from '../api/client';
import { endpoint, MODELS } from './fixtures';

const BASE = 'http://localhost:8888/lab-base/';

interface ISeen {
  url: string;
  method: string;
  body: string;
  contentType: string | null;
}

function server(respond: (req: ISeen) => Response | Promise<Response>): {
  settings: ServerConnection.ISettings;
  seen: ISeen[];
} {
  const seen: ISeen[] = [];
  const fetchMock = jest.fn(async (input: RequestInfo | URL) => {
    const request = input as Request;
    // ServerConnection adds a cache-busting query string; compare paths only.
    const parsed = new URL(request.url);
    const req: ISeen = {
      url: `${parsed.origin}${parsed.pathname}`,
      method: request.method,
      body: await request.text(),
      contentType: request.headers.get('Content-Type')
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

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });

async function rejection(promise: Promise<unknown>): Promise<ApiRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiRequestError);
    return error as ApiRequestError;
  }
  throw new Error('expected the call to fail');
}

describe('API client: success', () => {
  it('GETs /status under the API prefix and parses JSON', async () => {
    const status = {
      version: '0.1.0',
      backend: 'local',
      backend_choice: 'auto',
      label: 'Local mode (no AWS account)',
      region: null,
      account: null,
      reason: 'no AWS credentials',
      local_model: null,
      price_label: 'indicative, on-demand, 2024-12-01'
    };
    const { settings, seen } = server(() => json(200, status));
    await expect(getStatus(settings)).resolves.toEqual(status);
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe(`${BASE}llama-neuron/api/v1/status`);
    expect(seen[0].method).toBe('GET');
  });

  it('lists models and endpoints, gets a card', async () => {
    const { settings, seen } = server(req =>
      req.url.endsWith('/models')
        ? json(200, { models: MODELS })
        : req.url.endsWith('/endpoints')
          ? json(200, { endpoints: [endpoint('a', 'InService')] })
          : json(200, { ...MODELS[0] })
    );
    expect((await listModels(settings)).models).toHaveLength(6);
    expect((await listEndpoints(settings)).endpoints[0].name).toBe('a');
    expect((await getModel(settings, MODELS[0].id)).id).toBe(MODELS[0].id);
    expect(seen.map(s => s.url.replace(BASE, ''))).toEqual([
      'llama-neuron/api/v1/models',
      'llama-neuron/api/v1/endpoints',
      `llama-neuron/api/v1/models/${MODELS[0].id}`
    ]);
  });

  it('POSTs JSON bodies', async () => {
    const { settings, seen } = server(req =>
      req.url.endsWith('/eula')
        ? json(200, {
            model_id: 'm',
            eula_url: 'e',
            aup_url: 'a',
            accepted_at: '2024-01-01T00:00:00Z',
            user: 'u'
          })
        : req.url.endsWith('/invocations')
          ? json(200, {
              generated_text: ' Paris.',
              tokens_out: 2,
              latency_s: 0.5,
              finish_reason: 'eos'
            })
          : json(202, endpoint('new-one', 'Creating'))
    );
    await acceptEula(settings, 'm');
    const created = await createEndpoint(settings, {
      model_id: 'm',
      endpoint_name: 'new-one',
      client_token: 'tok'
    });
    expect(created.status).toBe('Creating');
    const answer = await invokeEndpoint(settings, 'new-one', {
      inputs: 'The capital of France is',
      parameters: { max_new_tokens: 8 }
    });
    expect(answer.generated_text).toBe(' Paris.');

    expect(seen.map(s => s.method)).toEqual(['POST', 'POST', 'POST']);
    expect(seen.every(s => s.contentType === 'application/json')).toBe(true);
    expect(JSON.parse(seen[0].body)).toEqual({ accept: true });
    expect(JSON.parse(seen[1].body)).toEqual({
      model_id: 'm',
      endpoint_name: 'new-one',
      client_token: 'tok'
    });
    expect(seen[2].url).toBe(
      `${BASE}llama-neuron/api/v1/endpoints/new-one/invocations`
    );
    expect(JSON.parse(seen[2].body)).toEqual({
      inputs: 'The capital of France is',
      parameters: { max_new_tokens: 8 }
    });
  });

  it('DELETEs with an encoded name', async () => {
    const { settings, seen } = server(() =>
      json(200, { name: 'a b', deleted: true })
    );
    await expect(deleteEndpoint(settings, 'a b')).resolves.toEqual({
      name: 'a b',
      deleted: true
    });
    expect(seen[0].method).toBe('DELETE');
    expect(seen[0].url).toBe(`${BASE}llama-neuron/api/v1/endpoints/a%20b`);
  });

  it('binds every function in createApiClient', async () => {
    const { settings, seen } = server(() => json(200, { endpoints: [] }));
    const api = createApiClient(settings);
    await api.listEndpoints();
    expect(seen[0].url).toBe(`${BASE}llama-neuron/api/v1/endpoints`);
  });
});

describe('API client: errors', () => {
  it('parses the error body into code, message and hint', async () => {
    const { settings } = server(() =>
      json(403, {
        error: {
          code: 'EulaNotAccepted',
          message: 'Accept the Llama 2 license before deploying.',
          hint: 'Open the model card and accept the EULA.'
        }
      })
    );
    const error = await rejection(createEndpoint(settings, { model_id: 'm' }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('EulaNotAccepted');
    expect(error.message).toBe('Accept the Llama 2 license before deploying.');
    expect(error.hint).toBe('Open the model card and accept the EULA.');
  });

  it('keeps AWS codes passed through and tolerates a missing hint', async () => {
    const { settings } = server(() =>
      json(400, { error: { code: 'ResourceLimitExceeded', message: 'quota' } })
    );
    const error = await rejection(getStatus(settings));
    expect(error).toMatchObject({
      status: 400,
      code: 'ResourceLimitExceeded',
      hint: ''
    });
  });

  it('truncates HTML error pages', async () => {
    const html =
      '<!DOCTYPE html><html><head><style>body{}</style></head><body><h1>404: Not Found</h1>' +
      '<p>' +
      'x'.repeat(5000) +
      '</p></body></html>';
    const { settings } = server(
      () =>
        new Response(html, {
          status: 404,
          headers: { 'Content-Type': 'text/html' }
        })
    );
    const error = await rejection(listModels(settings));
    expect(error.status).toBe(404);
    expect(error.code).toBe('HTTP404');
    expect(error.message).not.toMatch(/</);
    expect(error.message).toContain('404: Not Found');
    expect(error.message.length).toBeLessThan(400);
    expect(error.hint).toMatch(/server extension/);
  });

  it('uses the <title> of an HTML page when there is one', () => {
    expect(
      summarizeBody(
        '<html><head><title>403: Forbidden</title></head><body>...</body></html>'
      )
    ).toBe('403: Forbidden');
  });

  it('reports an unreachable server as NetworkError', async () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: BASE,
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch
    });
    const error = await rejection(getStatus(settings));
    expect(error).toMatchObject({ status: 0, code: 'NetworkError' });
  });

  it('reports a non-JSON success as InvalidResponse', async () => {
    const { settings } = server(
      () => new Response('<html>oops</html>', { status: 200 })
    );
    const error = await rejection(getStatus(settings));
    expect(error.code).toBe('InvalidResponse');
  });

  it('wraps unknown errors', () => {
    const wrapped = toApiRequestError(new Error('boom'));
    expect(wrapped).toBeInstanceOf(ApiRequestError);
    expect(wrapped.message).toBe('boom');
    const same = new ApiRequestError({ status: 1, code: 'x', message: 'y' });
    expect(toApiRequestError(same)).toBe(same);
  });
});
