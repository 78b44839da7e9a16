/**
 * Loading | Error | Ready as a discriminated union, for every server-backed piece of UI state.
 */
import { ApiRequestError, toApiRequestError } from '../api/client';

export interface ILoading {
  readonly kind: 'loading';
}

export interface IFailed {
  readonly kind: 'error';
  readonly error: ApiRequestError;
}

export interface IReady<T> {
  readonly kind: 'ready';
  readonly value: T;
}

export type Loadable<T> = ILoading | IFailed | IReady<T>;

export const LOADING: ILoading = { kind: 'loading' };

export function ready<T>(value: T): IReady<T> {
  return { kind: 'ready', value };
}

export function failed(error: unknown): IFailed {
  return { kind: 'error', error: toApiRequestError(error) };
}
