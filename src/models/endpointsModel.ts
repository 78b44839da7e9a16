/**
 * The endpoints this extension created, kept fresh by polling only the ones still changing.
 *
 * - `refresh()` re-reads the whole list (on open, on demand, after a delete).
 * - A `@lumino/polling` `Poll` re-fetches only non-terminal endpoints (status other than InService, Failed,
 *   OutOfService) with `getEndpoint`; it backs off on errors and stands by while the page is hidden or when
 *   nothing is changing.
 * - `stateChanged` fires when an endpoint becomes InService or Failed (the panel turns it into a notification).
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { EndpointStatus, IEndpoint, IEndpointList } from '../api/types';
import { isTerminal } from './endpointStatus';
import { failed, Loadable, LOADING, ready } from './loadable';
import {
  createBackoffPoll,
  fetchEach,
  mergeFetched,
  schedulePoll,
  setPollInterval
} from './resourcePolling';

/** The two calls the model needs (an `IApiClient` satisfies it). */
export interface IEndpointsSource {
  listEndpoints(): Promise<IEndpointList>;
  getEndpoint(name: string): Promise<IEndpoint>;
}

/** An endpoint reached InService or Failed. */
export interface IEndpointTransition {
  endpoint: IEndpoint;
  previousStatus: EndpointStatus;
}

/** Statuses that are announced when reached. */
const ANNOUNCED: ReadonlySet<string> = new Set(['InService', 'Failed']);

export class EndpointsModel {
  constructor(options: EndpointsModel.IOptions) {
    this._source = options.source;
    const interval =
      options.pollInterval ?? EndpointsModel.DEFAULT_POLL_INTERVAL;
    this._maxInterval =
      options.maxInterval ?? EndpointsModel.DEFAULT_MAX_INTERVAL;
    this._poll = createBackoffPoll({
      name: 'jupyter-llama-neuron:endpoints',
      factory: () => this.pollActive(),
      interval,
      maxInterval: this._maxInterval,
      // Stand by when nothing is changing; otherwise poll, except while the page is hidden.
      standby: () => (this.hasActive ? 'when-hidden' : true)
    });
  }

  /** Loading until the first list arrives; Error if it never did; Ready afterwards. */
  get state(): Loadable<readonly IEndpoint[]> {
    return this._state;
  }

  /** The known endpoints (empty until loaded). */
  get endpoints(): readonly IEndpoint[] {
    return this._state.kind === 'ready' ? this._state.value : [];
  }

  /** The last refresh or poll error after the list was loaded once (null when the last call succeeded). */
  get lastError(): ApiRequestError | null {
    return this._lastError;
  }

  /** Whether any endpoint is still changing (Creating, Updating, Deleting...). */
  get hasActive(): boolean {
    return this.endpoints.some(endpoint => !isTerminal(endpoint.status));
  }

  /** Whether a full refresh is in flight. */
  get isRefreshing(): boolean {
    return this._refreshing > 0;
  }

  /** Emitted whenever the list, its state or `lastError` changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when an endpoint becomes InService or Failed. */
  get stateChanged(): ISignal<this, IEndpointTransition> {
    return this._stateChanged;
  }

  /** Poll interval in milliseconds. */
  get pollInterval(): number {
    return this._poll.frequency.interval;
  }

  set pollInterval(ms: number) {
    setPollInterval(this._poll, ms, this._maxInterval);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Find an endpoint by name. */
  get(name: string): IEndpoint | undefined {
    return this.endpoints.find(endpoint => endpoint.name === name);
  }

  /** Re-read the whole list from the server. Never rejects; errors land in `state`/`lastError`. */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._refreshing++;
    this._changed.emit();
    try {
      const list = await this._source.listEndpoints();
      if (this.isDisposed) {
        return;
      }
      const previous = new Map(this.endpoints.map(e => [e.name, e.status]));
      const loadedBefore = this._state.kind === 'ready';
      this._state = ready([...list.endpoints]);
      this._lastError = null;
      if (loadedBefore) {
        for (const endpoint of list.endpoints) {
          this._announce(endpoint, previous.get(endpoint.name));
        }
      }
      this._startPolling();
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      if (this._state.kind === 'ready') {
        this._lastError = toApiRequestError(error);
      } else {
        this._state = failed(error);
      }
    } finally {
      this._refreshing--;
      if (!this.isDisposed) {
        this._changed.emit();
      }
    }
  }

  /**
   * Re-fetch the non-terminal endpoints only (what the poll runs). An endpoint that is gone (404) is
   * removed. Rejects with the first other error so that the poll backs off.
   */
  async pollActive(): Promise<void> {
    const active = this.endpoints.filter(
      endpoint => !isTerminal(endpoint.status)
    );
    if (active.length === 0 || this.isDisposed) {
      return;
    }
    const results = await fetchEach(active, name =>
      this._source.getEndpoint(name)
    );
    if (this.isDisposed) {
      return;
    }
    const { list, transitions, firstError } = mergeFetched(
      this.endpoints,
      active,
      results,
      true
    );
    this._state = ready(list);
    this._lastError = firstError;
    this._changed.emit();
    for (const [endpoint, previous] of transitions) {
      this._announce(endpoint, previous);
    }
    if (firstError) {
      throw firstError;
    }
  }

  /** Add or replace an endpoint (e.g. the 202 answer of a create) and make sure it is polled. */
  upsert(endpoint: IEndpoint): void {
    if (this.isDisposed) {
      return;
    }
    const current = this.endpoints;
    const previous = current.find(item => item.name === endpoint.name);
    const list = previous
      ? current.map(item => (item.name === endpoint.name ? endpoint : item))
      : [endpoint, ...current];
    this._state = ready(list);
    if (previous) {
      this._announce(endpoint, previous.status);
    }
    this._changed.emit();
    this._startPolling();
  }

  /** Forget an endpoint (after a successful delete). */
  remove(name: string): void {
    if (this.isDisposed || !this.get(name)) {
      return;
    }
    this._state = ready(
      this.endpoints.filter(endpoint => endpoint.name !== name)
    );
    this._changed.emit();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _announce(
    endpoint: IEndpoint,
    previous: EndpointStatus | undefined
  ): void {
    if (
      previous !== undefined &&
      previous !== endpoint.status &&
      ANNOUNCED.has(endpoint.status)
    ) {
      this._stateChanged.emit({ endpoint, previousStatus: previous });
    }
  }

  private _startPolling(): void {
    if (this._pollStarted || this.isDisposed) {
      return;
    }
    this._pollStarted = true;
    schedulePoll(this._poll);
  }

  private _source: IEndpointsSource;
  private _poll: Poll;
  private _maxInterval: number;
  private _pollStarted = false;
  private _state: Loadable<readonly IEndpoint[]> = LOADING;
  private _lastError: ApiRequestError | null = null;
  private _refreshing = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _stateChanged = new Signal<this, IEndpointTransition>(this);
}

export namespace EndpointsModel {
  export const DEFAULT_POLL_INTERVAL = 10_000;
  export const DEFAULT_MAX_INTERVAL = 300_000;

  export interface IOptions {
    source: IEndpointsSource;
    /** Milliseconds between polls of changing endpoints (default 10 s). */
    pollInterval?: number;
    /** Longest back-off interval after errors, in milliseconds (default 5 min). */
    maxInterval?: number;
  }
}
