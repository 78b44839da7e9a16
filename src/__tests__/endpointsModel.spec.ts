import { ApiRequestError } from '../api/client';
import { IEndpoint } from '../api/types';
import { EndpointsModel, IEndpointTransition } from '../models/endpointsModel';
import { endpoint } from './fixtures';

function notFound(name: string): ApiRequestError {
  return new ApiRequestError({
    status: 404,
    code: 'NotFound',
    message: `${name} not found`
  });
}

function fakeSource(initial: IEndpoint[]) {
  const current = new Map(initial.map(e => [e.name, e]));
  const source = {
    listEndpoints: jest.fn(async () => ({ endpoints: [...current.values()] })),
    getEndpoint: jest.fn(async (name: string) => {
      const found = current.get(name);
      if (!found) {
        throw notFound(name);
      }
      return found;
    })
  };
  const set = (e: IEndpoint) => current.set(e.name, e);
  const drop = (name: string) => current.delete(name);
  return { source, set, drop };
}

function transitions(model: EndpointsModel): IEndpointTransition[] {
  const seen: IEndpointTransition[] = [];
  model.stateChanged.connect((_, t) => seen.push(t));
  return seen;
}

describe('EndpointsModel', () => {
  let model: EndpointsModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('loads the list: Loading then Ready', async () => {
    const { source } = fakeSource([endpoint('a', 'InService')]);
    model = new EndpointsModel({ source });
    expect(model.state.kind).toBe('loading');
    await model.refresh();
    expect(model.state.kind).toBe('ready');
    expect(model.endpoints.map(e => e.name)).toEqual(['a']);
  });

  it('re-fetches only non-terminal endpoints', async () => {
    const { source } = fakeSource([
      endpoint('in-service', 'InService'),
      endpoint('creating', 'Creating'),
      endpoint('failed', 'Failed'),
      endpoint('out', 'OutOfService'),
      endpoint('deleting', 'Deleting'),
      endpoint('updating', 'Updating')
    ]);
    model = new EndpointsModel({ source });
    await model.refresh();
    await model.pollActive();
    const polled = source.getEndpoint.mock.calls.map(call => call[0]).sort();
    expect(polled).toEqual(['creating', 'deleting', 'updating']);
  });

  it('does nothing when every endpoint is terminal', async () => {
    const { source } = fakeSource([
      endpoint('a', 'InService'),
      endpoint('b', 'Failed')
    ]);
    model = new EndpointsModel({ source });
    await model.refresh();
    expect(model.hasActive).toBe(false);
    await model.pollActive();
    expect(source.getEndpoint).not.toHaveBeenCalled();
  });

  it('emits stateChanged when an endpoint becomes InService or Failed', async () => {
    const { source, set } = fakeSource([
      endpoint('ok', 'Creating'),
      endpoint('bad', 'Creating'),
      endpoint('slow', 'Creating')
    ]);
    model = new EndpointsModel({ source });
    const seen = transitions(model);
    await model.refresh();
    expect(seen).toEqual([]); // nothing announced on first load

    set(endpoint('ok', 'InService'));
    set(
      endpoint('bad', 'Failed', {
        failure_reason: 'ResourceLimitExceeded: quota 0'
      })
    );
    await model.pollActive();

    expect(
      seen.map(t => [t.endpoint.name, t.previousStatus, t.endpoint.status])
    ).toEqual([
      ['ok', 'Creating', 'InService'],
      ['bad', 'Creating', 'Failed']
    ]);
    expect(model.get('bad')?.failure_reason).toBe(
      'ResourceLimitExceeded: quota 0'
    );
    expect(model.get('slow')?.status).toBe('Creating');

    // Terminal now: not polled again, not announced again.
    source.getEndpoint.mockClear();
    await model.pollActive();
    expect(source.getEndpoint.mock.calls.map(c => c[0])).toEqual(['slow']);
    expect(seen).toHaveLength(2);
  });

  it('listeners see the new state when stateChanged fires', async () => {
    const { source, set } = fakeSource([endpoint('a', 'Creating')]);
    model = new EndpointsModel({ source });
    await model.refresh();
    let statusSeen: string | undefined;
    model.stateChanged.connect(sender => {
      statusSeen = sender.get('a')?.status;
    });
    set(endpoint('a', 'InService'));
    await model.pollActive();
    expect(statusSeen).toBe('InService');
  });

  it('announces transitions found by a full refresh too', async () => {
    const { source, set } = fakeSource([endpoint('a', 'Creating')]);
    model = new EndpointsModel({ source });
    const seen = transitions(model);
    await model.refresh();
    set(endpoint('a', 'InService'));
    await model.refresh();
    expect(seen.map(t => t.endpoint.status)).toEqual(['InService']);
  });

  it('drops endpoints that are gone (404) while deleting', async () => {
    const { source, drop } = fakeSource([
      endpoint('a', 'Deleting'),
      endpoint('b', 'InService')
    ]);
    model = new EndpointsModel({ source });
    await model.refresh();
    drop('a');
    await model.pollActive();
    expect(model.endpoints.map(e => e.name)).toEqual(['b']);
    expect(model.lastError).toBeNull();
  });

  it('rejects on other errors (so the poll backs off) but keeps the data', async () => {
    const { source, set } = fakeSource([
      endpoint('a', 'Creating'),
      endpoint('b', 'Creating')
    ]);
    model = new EndpointsModel({ source });
    await model.refresh();
    set(endpoint('b', 'InService'));
    const throttled = new ApiRequestError({
      status: 400,
      code: 'ThrottlingException',
      message: 'Rate exceeded'
    });
    source.getEndpoint.mockImplementationOnce(async () => {
      throw throttled;
    });
    await expect(model.pollActive()).rejects.toBe(throttled);
    expect(model.lastError).toBe(throttled);
    expect(model.endpoints.map(e => [e.name, e.status])).toEqual([
      ['a', 'Creating'],
      ['b', 'InService']
    ]);
  });

  it('keeps the last list when a refresh fails after loading', async () => {
    const { source } = fakeSource([endpoint('a', 'InService')]);
    model = new EndpointsModel({ source });
    source.listEndpoints.mockRejectedValueOnce(
      new ApiRequestError({
        status: 503,
        code: 'ServiceUnavailable',
        message: 'down'
      })
    );
    await model.refresh();
    expect(model.state.kind).toBe('error');
    await model.refresh();
    expect(model.state.kind).toBe('ready');
    source.listEndpoints.mockRejectedValueOnce(new Error('offline'));
    await model.refresh();
    expect(model.state.kind).toBe('ready');
    expect(model.endpoints).toHaveLength(1);
    expect(model.lastError?.message).toBe('offline');
  });

  it('upsert adds a created endpoint, which is then polled; remove forgets it', async () => {
    const { source, set } = fakeSource([]);
    model = new EndpointsModel({ source });
    await model.refresh();
    const created = endpoint('new', 'Creating');
    set(created);
    model.upsert(created);
    expect(model.endpoints.map(e => e.name)).toEqual(['new']);
    await model.pollActive();
    expect(source.getEndpoint).toHaveBeenCalledWith('new');
    model.remove('new');
    expect(model.endpoints).toEqual([]);
  });

  it('polls on a timer, only while something changes, and stops when disposed', async () => {
    jest.useFakeTimers();
    const { source, set } = fakeSource([
      endpoint('a', 'Creating'),
      endpoint('b', 'InService')
    ]);
    model = new EndpointsModel({ source, pollInterval: 1000 });
    const seen = transitions(model);
    await model.refresh();
    expect(source.getEndpoint).not.toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(1100);
    expect(source.getEndpoint.mock.calls.map(c => c[0])).toEqual(['a']);

    set(endpoint('a', 'InService'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(source.getEndpoint).toHaveBeenCalledTimes(2);
    expect(seen.map(t => t.endpoint.name)).toEqual(['a']);

    // Nothing is changing any more: the poll stands by.
    await jest.advanceTimersByTimeAsync(5000);
    expect(source.getEndpoint).toHaveBeenCalledTimes(2);

    // A new deployment wakes it up.
    set(endpoint('c', 'Creating'));
    model.upsert(endpoint('c', 'Creating'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(source.getEndpoint).toHaveBeenLastCalledWith('c');
    const calls = source.getEndpoint.mock.calls.length;

    model.dispose();
    expect(model.isDisposed).toBe(true);
    await jest.advanceTimersByTimeAsync(10000);
    expect(source.getEndpoint).toHaveBeenCalledTimes(calls);
  });

  it('backs off after errors', async () => {
    jest.useFakeTimers();
    // Lumino's back-off is random between 1x and 3x the last interval; pin it to ~2x.
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const { source } = fakeSource([endpoint('a', 'Creating')]);
    model = new EndpointsModel({
      source,
      pollInterval: 1000,
      maxInterval: 60_000
    });
    await model.refresh();
    source.getEndpoint.mockRejectedValue(
      new ApiRequestError({
        status: 503,
        code: 'ServiceUnavailable',
        message: 'down'
      })
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(source.getEndpoint).toHaveBeenCalledTimes(1);
    // A fixed 1 s interval would give 10 more calls in 10 s; backing off (2 s, 4 s, 8 s) gives 2.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(source.getEndpoint).toHaveBeenCalledTimes(3);
    random.mockRestore();
  });

  it('applies a new poll interval', () => {
    const { source } = fakeSource([]);
    model = new EndpointsModel({ source, pollInterval: 1000 });
    model.pollInterval = 30_000;
    expect(model.pollInterval).toBe(30_000);
    model.pollInterval = -1;
    expect(model.pollInterval).toBe(30_000);
  });
});
