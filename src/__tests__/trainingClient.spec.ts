import { ServerConnection } from '@jupyterlab/services';

import { ApiRequestError, createApiClient, uploadDataset } from '../api/client';

const BASE = 'http://localhost:8888/lab-base/';

interface ISeen {
  url: string;
  search: string;
  method: string;
  body: string;
  contentType: string | null;
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
      search: parsed.search,
      method: request.method,
      body: await request.text(),
      contentType: request.headers.get('Content-Type')
    };
    seen.push(req);
    return respond(req);
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: BASE,
    token: 'secret',
    fetch: fetchMock as unknown as typeof fetch
  });
  return { settings, seen };
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });

const UPLOAD = {
  upload_id: '0'.repeat(32),
  uri: `upload://${'0'.repeat(32)}/train.jsonl`,
  bytes: 11,
  filename: 'train.jsonl'
};

describe('dataset and training API', () => {
  it('uploads the raw file with its name in the query string', async () => {
    const { settings, seen } = server(() => json(201, UPLOAD));
    const file = new File(['{"text":1}\n'], 'train.jsonl');
    const result = await uploadDataset(settings, file);
    expect(result).toEqual(UPLOAD);
    expect(seen[0].url).toBe(`${BASE}llama-neuron/api/v1/datasets/uploads`);
    expect(seen[0].search).toContain('filename=train.jsonl');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].body).toBe('{"text":1}\n');
    expect(seen[0].contentType).toBe('application/octet-stream');
  });

  it('turns 413 into an ApiRequestError with the server message', async () => {
    const { settings } = server(() =>
      json(413, {
        error: {
          code: 'PayloadTooLarge',
          message: 'Uploads are limited to 200 MB.',
          hint: 'Give an s3:// URI.'
        }
      })
    );
    const error = await uploadDataset(
      settings,
      new File(['x'], 'big.jsonl')
    ).catch(e => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error.status).toBe(413);
    expect(error.hint).toBe('Give an s3:// URI.');
  });

  it('reports upload progress through XMLHttpRequest with the same auth headers', async () => {
    const sent: {
      headers: Record<string, string>;
      url: string;
      body: unknown;
    }[] = [];
    class FakeXhr {
      status = 0;
      statusText = '';
      responseText = '';
      withCredentials = false;
      upload: { onprogress: ((e: ProgressEvent) => void) | null } = {
        onprogress: null
      };
      onload: (() => void) | null = null;
      onerror: (() => void) | null = null;
      onabort: (() => void) | null = null;
      private _headers: Record<string, string> = {};
      private _url = '';
      open(_method: string, url: string): void {
        this._url = url;
      }
      setRequestHeader(name: string, value: string): void {
        this._headers[name] = value;
      }
      abort(): void {
        this.onabort?.();
      }
      send(body: unknown): void {
        sent.push({ headers: this._headers, url: this._url, body });
        this.upload.onprogress?.({
          loaded: 5,
          total: 11,
          lengthComputable: true
        } as ProgressEvent);
        this.status = 201;
        this.responseText = JSON.stringify(UPLOAD);
        this.onload?.();
      }
    }
    const original = globalThis.XMLHttpRequest;
    (globalThis as unknown as { XMLHttpRequest: unknown }).XMLHttpRequest =
      FakeXhr;
    document.cookie = '_xsrf=xsrf-value';
    try {
      const { settings } = server(() => json(500, {}));
      const progress = jest.fn();
      const file = new File(['{"text":1}\n'], 'train data.jsonl');
      const result = await uploadDataset(settings, file, progress);
      expect(result.uri).toBe(UPLOAD.uri);
      expect(progress).toHaveBeenCalledWith(5, 11);
      expect(sent[0].url).toBe(
        `${BASE}llama-neuron/api/v1/datasets/uploads?filename=train%20data.jsonl`
      );
      expect(sent[0].headers['Authorization']).toBe('token secret');
      expect(sent[0].headers['X-XSRFToken']).toBe('xsrf-value');
      expect(sent[0].body).toBe(file);
    } finally {
      (globalThis as unknown as { XMLHttpRequest: unknown }).XMLHttpRequest =
        original;
    }
  });

  it('calls preflight, store, list, create, describe and stop with their routes', async () => {
    const { settings, seen } = server(req =>
      req.url.endsWith('/training-jobs') && req.method === 'GET'
        ? json(200, { training_jobs: [] })
        : json(
            req.method === 'POST' && req.url.endsWith('/datasets') ? 201 : 200,
            {
              ok: true
            }
          )
    );
    const api = createApiClient(settings);
    const dataset = {
      dataset_format: 'instruction' as const,
      uri: UPLOAD.uri,
      holdout: 5
    };
    await api.preflightDataset(dataset);
    await api.storeDataset(dataset);
    expect(await api.listTrainingJobs()).toEqual({ training_jobs: [] });
    await api.createTrainingJob({
      model_id: 'm',
      dataset_uri: 's3://b/x',
      dataset_format: 'domain',
      hyperparameters: { max_steps: 20 },
      client_token: 't'
    });
    await api.getTrainingJob('job 1');
    await api.stopTrainingJob('job-1');
    const prefix = `${BASE}llama-neuron/api/v1`;
    expect(seen.map(req => [req.method, req.url.replace(prefix, '')])).toEqual([
      ['POST', '/datasets/preflight'],
      ['POST', '/datasets'],
      ['GET', '/training-jobs'],
      ['POST', '/training-jobs'],
      ['GET', '/training-jobs/job%201'],
      ['POST', '/training-jobs/job-1/stop']
    ]);
    expect(JSON.parse(seen[0].body)).toEqual(dataset);
    expect(JSON.parse(seen[3].body).hyperparameters).toEqual({ max_steps: 20 });
  });
});
