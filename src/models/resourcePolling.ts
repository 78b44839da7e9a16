/**
 * What the models that poll the server share: a `@lumino/polling` `Poll` that backs off on errors, the
 * "re-fetch only the items still changing" step merged into the current list, and `ResourceList`, the
 * polled list itself (endpoints and training jobs are two of them).
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { failed, Loadable, LOADING, ready } from './loadable';

/** A listed resource the server can describe by name. */
export interface IPolledResource {
  readonly name: string;
  readonly status: string;
}

export interface IBackoffPollOptions {
  name: string;
  factory: () => Promise<void>;
  /** Milliseconds between ticks. */
  interval: number;
  /** Longest back-off interval after errors (at least `interval`). */
  maxInterval: number;
  standby: Poll.Standby | (() => boolean | Poll.Standby);
}

/** A poll that does not start on its own and backs off on errors up to `maxInterval`. */
export function createBackoffPoll(options: IBackoffPollOptions): Poll {
  const { name, factory, interval, maxInterval, standby } = options;
  return new Poll({
    name,
    auto: false,
    factory,
    frequency: {
      interval,
      backoff: true,
      max: Math.max(interval, maxInterval)
    },
    standby
  });
}

/** Change the poll's interval; ignored when `ms` is not a positive number or the poll is disposed. */
export function setPollInterval(
  poll: Poll,
  ms: number,
  maxInterval: number
): void {
  if (!Number.isFinite(ms) || ms <= 0 || poll.isDisposed) {
    return;
  }
  poll.frequency = {
    ...poll.frequency,
    interval: ms,
    max: Math.max(ms, maxInterval)
  };
}

/** Start the poll with its first tick after one interval (the list was just fetched). */
export function schedulePoll(poll: Poll): void {
  void poll.schedule({
    interval: poll.frequency.interval,
    phase: 'started'
  });
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** `Promise.allSettled` for one promise (the build targets ES2018). */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    value => ({ ok: true as const, value }),
    error => ({ ok: false as const, error })
  );
}

/** Describe each of `active` again (never rejects: each result says how its call went). */
export function fetchEach<T extends IPolledResource>(
  active: readonly T[],
  fetch: (name: string) => Promise<T>
): Promise<Settled<T>[]> {
  return Promise.all(active.map(item => settle(fetch(item.name))));
}

/** The list after merging fresh descriptions, with the status changes and the first error to report. */
export interface IMerged<T extends IPolledResource> {
  list: T[];
  transitions: [T, T['status']][];
  firstError: ApiRequestError | null;
}

/**
 * Merge the results of `fetchEach(active, …)` into `current`: a fresh item replaces the listed one (a status
 * change is noted), an item that is gone (404) is removed, and the first other error is kept. An item no
 * longer in `current` (removed meanwhile) is skipped; its error still counts when `errorsOfRemoved`.
 */
export function mergeFetched<T extends IPolledResource>(
  current: readonly T[],
  active: readonly T[],
  results: readonly Settled<T>[],
  errorsOfRemoved: boolean
): IMerged<T> {
  let firstError: ApiRequestError | null = null;
  let list = [...current];
  const transitions: [T, T['status']][] = [];
  results.forEach((result, index) => {
    const name = active[index].name;
    const previous = list.find(item => item.name === name);
    if (result.ok) {
      if (previous) {
        list = list.map(item => (item.name === name ? result.value : item));
        transitions.push([result.value, previous.status]);
      }
      return; // else removed meanwhile (deleted, or a refresh dropped it)
    }
    if (!previous && !errorsOfRemoved) {
      return;
    }
    const error = toApiRequestError(result.error);
    if (error.status === 404) {
      list = list.filter(item => item.name !== name);
    } else if (!firstError) {
      firstError = error;
    }
  });
  return { list, transitions, firstError };
}

/**
 * A list of server resources kept fresh by polling only the ones still changing.
 *
 * - `refresh()` re-reads the whole list (on open, on demand, after a delete).
 * - The poll re-describes only active items; it backs off on errors and stands by while the page is
 *   hidden or when nothing is changing. An item that is gone (404) is removed.
 * - `stateChanged` fires when an item reaches one of the announced statuses.
 *
 * `T` is the resource's JSON, `E` what `stateChanged` carries (built by `options.transition`).
 */
export class ResourceList<T extends IPolledResource, E> {
  constructor(options: ResourceList.IOptions<T, E>) {
    this._options = options;
    this._maxInterval = options.maxInterval;
    this._poll = createBackoffPoll({
      name: options.name,
      factory: () => this.pollActive(),
      interval: options.pollInterval,
      maxInterval: options.maxInterval,
      standby: () => this.standby
    });
  }

  /** Loading until the first list arrives; Error if it never did; Ready afterwards. */
  get state(): Loadable<readonly T[]> {
    return this._state;
  }

  /** The known items (empty until loaded). */
  get items(): readonly T[] {
    return this._state.kind === 'ready' ? this._state.value : [];
  }

  /** The last refresh or poll error after the list was loaded once (null when the last call succeeded). */
  get lastError(): ApiRequestError | null {
    return this._lastError;
  }

  /** Whether any item is still changing. */
  get hasActive(): boolean {
    return this.items.some(item => this._options.isActive(item.status));
  }

  /** What the poll does when it would tick: poll unless hidden while something changes, else stand by. */
  get standby(): 'when-hidden' | true {
    return this.hasActive ? 'when-hidden' : true;
  }

  /** Whether a full refresh is in flight. */
  get isRefreshing(): boolean {
    return this._refreshing > 0;
  }

  /** Emitted whenever the list, an item, its state or `lastError` changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when an item reaches an announced status. */
  get stateChanged(): ISignal<this, E> {
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

  /** Find an item by name. */
  get(name: string): T | undefined {
    return this.items.find(item => item.name === name);
  }

  /** Re-read the whole list from the server. Never rejects; errors land in `state`/`lastError`. */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._refreshing++;
    this._changed.emit();
    try {
      const fresh = await this._options.list();
      if (this.isDisposed) {
        return;
      }
      const previous = new Map(this.items.map(item => [item.name, item]));
      const loadedBefore = this._state.kind === 'ready';
      const stale: string[] = [];
      const list = fresh.map(item => {
        const known = previous.get(item.name);
        const kept =
          known && this._options.keepDetails
            ? this._options.keepDetails(item, known)
            : item;
        if (kept !== item && known && known.status !== item.status) {
          stale.push(item.name); // its kept details are older than its status
        }
        return kept;
      });
      this._state = ready(list);
      this._lastError = null;
      if (loadedBefore) {
        for (const item of list) {
          this._announce(item, previous.get(item.name)?.status);
        }
      }
      for (const name of stale) {
        void this.load(name).catch(() => undefined);
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

  /** Describe one item and merge it in; rejects with the API error. */
  async load(name: string): Promise<T> {
    const item = await this._options.describe(name);
    if (!this.isDisposed) {
      this.upsert(item);
    }
    return item;
  }

  /**
   * Re-describe the active items only (what the poll runs). An item that is gone (404) is removed.
   * Rejects with the first other error so that the poll backs off.
   */
  async pollActive(): Promise<void> {
    const active = this.items.filter(item =>
      this._options.isActive(item.status)
    );
    if (active.length === 0 || this.isDisposed) {
      return;
    }
    const results = await fetchEach(active, name =>
      this._options.describe(name)
    );
    if (this.isDisposed) {
      return;
    }
    const { list, transitions, firstError } = mergeFetched(
      this.items,
      active,
      results,
      this._options.errorsOfRemoved
    );
    this._state = ready(list);
    this._lastError = firstError;
    this._changed.emit();
    for (const [item, previous] of transitions) {
      this._announce(item, previous);
    }
    if (firstError) {
      throw firstError;
    }
  }

  /** Add or replace an item (a create's 202 answer, a describe, a stop) and make sure it is polled. */
  upsert(item: T): void {
    if (this.isDisposed) {
      return;
    }
    const current = this.items;
    const previous = current.find(known => known.name === item.name);
    const list = previous
      ? current.map(known => (known.name === item.name ? item : known))
      : [item, ...current];
    this._state = ready(list);
    this._changed.emit();
    if (previous) {
      this._announce(item, previous.status);
    }
    this._startPolling();
  }

  /** Forget an item (after a successful delete). */
  remove(name: string): void {
    if (this.isDisposed || !this.get(name)) {
      return;
    }
    this._state = ready(this.items.filter(item => item.name !== name));
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

  private _announce(item: T, previous: T['status'] | undefined): void {
    if (
      previous !== undefined &&
      previous !== item.status &&
      this._options.announced.has(item.status)
    ) {
      this._stateChanged.emit(this._options.transition(item, previous));
    }
  }

  private _startPolling(): void {
    if (this._pollStarted || this.isDisposed) {
      return;
    }
    this._pollStarted = true;
    schedulePoll(this._poll);
  }

  private _options: ResourceList.IOptions<T, E>;
  private _poll: Poll;
  private _maxInterval: number;
  private _pollStarted = false;
  private _state: Loadable<readonly T[]> = LOADING;
  private _lastError: ApiRequestError | null = null;
  private _refreshing = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _stateChanged = new Signal<this, E>(this);
}

export namespace ResourceList {
  export interface IOptions<T extends IPolledResource, E> {
    /** The poll's name (`jupyter-llama-neuron:<resource>`). */
    name: string;
    list: () => Promise<readonly T[]>;
    describe: (name: string) => Promise<T>;
    /** Statuses the item can still leave (polled). */
    isActive: (status: string) => boolean;
    /** Statuses announced through `stateChanged` when reached. */
    announced: ReadonlySet<string>;
    transition: (item: T, previousStatus: T['status']) => E;
    /** Milliseconds between polls of active items. */
    pollInterval: number;
    /** Longest back-off interval after errors, in milliseconds. */
    maxInterval: number;
    /** Whether a failed describe of an item removed meanwhile still counts as the poll's error. */
    errorsOfRemoved: boolean;
    /**
     * The listed item with what it keeps of the known (described) one; returning `fresh` itself keeps
     * nothing. An item that kept details and whose status moved is described again.
     */
    keepDetails?: (fresh: T, known: T) => T;
  }
}
