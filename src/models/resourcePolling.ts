/**
 * What the models that poll the server share: a `@lumino/polling` `Poll` that backs off on errors, and the
 * "re-fetch only the items still changing" step merged into the current list.
 */
import { Poll } from '@lumino/polling';

import { ApiRequestError, toApiRequestError } from '../api/client';

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
