/**
 * The cost guard in the UI: the formatting rules for idle time and auto-delete (pure functions), and a
 * model that polls `GET /cost-guard` (hourly burn, idle times, warnings, deletions).
 *
 * The model polls at the endpoints' cadence and stands by while the page is hidden; the server answers
 * from its last check (it reads CloudWatch at most once per check interval), so polling is cheap.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiRequestError, toApiRequestError } from '../api/client';
import {
  ICostGuard,
  ICostGuardEndpoint,
  ICostGuardWarning,
  IEndpoint
} from '../api/types';
import { formatDuration } from './format';
import { createBackoffPoll, setPollInterval } from './resourcePolling';

/** The choices of the auto-delete selects (idle minutes; 0 = off). */
export const AUTO_DELETE_CHOICES: readonly number[] = [0, 15, 30, 60, 120];

/** The select value meaning "follow the server default". */
export const SERVER_DEFAULT = 'default';

/** The idle minutes of a select value (`SERVER_DEFAULT` -> null; anything unreadable -> null). */
export function parseAutoDeleteValue(value: string): number | null {
  if (value === SERVER_DEFAULT) {
    return null;
  }
  const minutes = Number(value);
  return Number.isInteger(minutes) && minutes >= 0 ? minutes : null;
}

/** The select value for an endpoint: its own setting, or `SERVER_DEFAULT`. */
export function autoDeleteValue(endpoint: IEndpoint): string {
  if (endpoint.auto_delete_source !== 'endpoint') {
    return SERVER_DEFAULT;
  }
  return String(endpoint.auto_delete_idle_minutes ?? 0);
}

/** "off", "15 min", "2 h". */
export function formatAutoDelete(
  minutes: number | null | undefined,
  trans: TranslationBundle
): string {
  if (!minutes || minutes <= 0) {
    return trans.__('off');
  }
  if (minutes % 60 === 0) {
    return trans.__('%1 h', minutes / 60);
  }
  return trans.__('%1 min', minutes);
}

export interface IAutoDeleteOption {
  value: string;
  label: string;
}

/**
 * The options of an auto-delete select: the server default (with its value when known: null = unknown;
 * undefined leaves the option out), never, the standard choices, and `current` when it is a custom value
 * (e.g. set through the REST API).
 */
export function autoDeleteOptions(
  trans: TranslationBundle,
  options: { defaultMinutes?: number | null; current?: number | null } = {}
): IAutoDeleteOption[] {
  const minutes = new Set<number>(AUTO_DELETE_CHOICES);
  if (typeof options.current === 'number' && options.current > 0) {
    minutes.add(options.current);
  }
  const items: IAutoDeleteOption[] = [];
  if (options.defaultMinutes !== undefined) {
    items.push({
      value: SERVER_DEFAULT,
      label:
        options.defaultMinutes === null
          ? trans.__('Server default')
          : trans.__(
              'Server default (%1)',
              formatAutoDelete(options.defaultMinutes, trans)
            )
    });
  }
  for (const value of [...minutes].sort((a, b) => a - b)) {
    items.push({
      value: String(value),
      label:
        value === 0
          ? trans.__('Never')
          : trans.__('After %1 idle', formatAutoDelete(value, trans))
    });
  }
  return items;
}

/** "idle 12 min", "idle at least 3 h 0 min" (the window read), or "—" when unknown. */
export function formatIdle(
  minutes: number | null | undefined,
  capped: boolean | undefined,
  trans: TranslationBundle
): string {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes)) {
    return '—';
  }
  const duration = formatDuration(minutes * 60, trans);
  return capped ? trans.__('at least %1', duration) : duration;
}

/** Milliseconds from `now` to an ISO time (negative when past); null when it cannot be read. */
export function msUntil(
  iso: string | null | undefined,
  now: number
): number | null {
  if (!iso) {
    return null;
  }
  const time = Date.parse(iso);
  return Number.isFinite(time) ? time - now : null;
}

/** "in 4 min", "any moment now" (past or under a minute), or "" when unknown. */
export function formatDeletesIn(
  iso: string | null | undefined,
  now: number,
  trans: TranslationBundle
): string {
  const ms = msUntil(iso, now);
  if (ms === null) {
    return '';
  }
  if (ms < 60_000) {
    return trans.__('any moment now');
  }
  return trans.__('in %1', formatDuration(ms / 1000, trans));
}

/** The endpoint with the cost guard's fresher view of it (idle time, limit, deadline) laid over. */
export function withGuardInfo(
  endpoint: IEndpoint,
  info: ICostGuardEndpoint | undefined
): IEndpoint {
  if (!info) {
    return endpoint;
  }
  return {
    ...endpoint,
    idle_minutes: info.idle_minutes,
    idle_capped: info.idle_capped,
    last_activity_at: info.last_activity_at,
    auto_delete_idle_minutes: info.auto_delete_idle_minutes,
    auto_delete_source: info.auto_delete_source,
    keep_until: info.keep_until,
    deletes_at: info.deletes_at,
    warning: info.warning
  };
}

/** What everything running costs per hour: the server's total, else the billed endpoints' prices. */
export function totalHourlyBurn(
  guard: ICostGuard | null,
  endpoints: readonly IEndpoint[]
): number {
  if (guard) {
    return guard.total_hourly_burn;
  }
  return endpoints
    .filter(e => e.backend !== 'local' && e.status !== 'Failed')
    .reduce((sum, e) => sum + (e.price_per_hour ?? 0), 0);
}

/** A warning's identity: the same endpoint with a new deadline (after Keep) is a new warning. */
export function warningKey(warning: ICostGuardWarning): string {
  return `${warning.endpoint}|${warning.deletes_at}`;
}

export interface ICostGuardSource {
  getCostGuard(): Promise<ICostGuard>;
}

/** New warnings and deletions since the previous answer. */
export interface ICostGuardNews {
  warnings: ICostGuardWarning[];
  /** Endpoints no longer in warning (used, kept or deleted). */
  cleared: string[];
  deletions: ICostGuard['deletions'];
}

export class CostGuardModel {
  constructor(options: CostGuardModel.IOptions) {
    this._source = options.source;
    const interval = options.pollInterval ?? CostGuardModel.DEFAULT_INTERVAL;
    this._poll = createBackoffPoll({
      name: 'jupyter-llama-neuron:cost-guard',
      factory: () => this.refresh(true),
      interval,
      maxInterval: CostGuardModel.MAX_INTERVAL,
      standby: 'when-hidden'
    });
  }

  /** The last answer (null until the first one). */
  get state(): ICostGuard | null {
    return this._state;
  }

  get lastError(): ApiRequestError | null {
    return this._lastError;
  }

  /** Emitted after every poll or refresh. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when warnings appear or clear, or deletions were made (never for the first answer's log). */
  get news(): ISignal<this, ICostGuardNews> {
    return this._news;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  set pollInterval(ms: number) {
    setPollInterval(this._poll, ms, CostGuardModel.MAX_INTERVAL);
  }

  /** The cost guard's view of one endpoint. */
  info(name: string): ICostGuardEndpoint | undefined {
    return this._state?.endpoints.find(item => item.name === name);
  }

  /** Start polling (the first request at once). */
  start(): void {
    if (this._started || this.isDisposed) {
      return;
    }
    this._started = true;
    void this._poll.start();
  }

  /**
   * Read `/cost-guard` now. Never rejects unless `rethrow` (the poll uses it to back off on errors).
   */
  async refresh(rethrow = false): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    try {
      const next = await this._source.getCostGuard();
      if (this.isDisposed) {
        return;
      }
      const previous = this._state;
      this._state = next;
      this._lastError = null;
      this._changed.emit();
      this._announce(previous, next);
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._lastError = toApiRequestError(error);
      this._changed.emit();
      if (rethrow) {
        throw this._lastError;
      }
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _announce(previous: ICostGuard | null, next: ICostGuard): void {
    const keys = new Set(next.warnings.map(warningKey));
    const warnings = next.warnings.filter(w => !this._seen.has(warningKey(w)));
    const warned = new Set(next.warnings.map(w => w.endpoint));
    const cleared = [...this._seen]
      .filter(key => !keys.has(key))
      .map(key => key.split('|')[0])
      .filter(name => !warned.has(name));
    this._seen = keys;
    const deletionKeys = next.deletions.map(
      d => `${d.endpoint}|${d.deleted_at}`
    );
    // The log as first read is history, not news.
    const deletions = previous
      ? next.deletions.filter(
          (_, index) => !this._seenDeletions.has(deletionKeys[index])
        )
      : [];
    for (const key of deletionKeys) {
      this._seenDeletions.add(key);
    }
    if (warnings.length || cleared.length || deletions.length) {
      this._news.emit({ warnings, cleared: [...new Set(cleared)], deletions });
    }
  }

  private _source: ICostGuardSource;
  private _poll: Poll;
  private _started = false;
  private _state: ICostGuard | null = null;
  private _lastError: ApiRequestError | null = null;
  private _seen = new Set<string>();
  private _seenDeletions = new Set<string>();
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _news = new Signal<this, ICostGuardNews>(this);
}

export namespace CostGuardModel {
  export const DEFAULT_INTERVAL = 10_000;
  export const MAX_INTERVAL = 300_000;

  export interface IOptions {
    source: ICostGuardSource;
    /** Milliseconds between polls (the endpoints' cadence). */
    pollInterval?: number;
  }
}
