/**
 * React hooks shared by the components.
 */
import { ISignal } from '@lumino/signaling';
import { useEffect, useState } from 'react';

import { ICostGuard } from './api/types';
import { CostGuardModel } from './models/costGuard';

/** Re-render whenever `signal` emits; returns a counter that changes on every emission. */
export function useSignal<T>(signal: ISignal<T, unknown>): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const onEmit = (): void => setVersion(v => v + 1);
    signal.connect(onEmit);
    return () => {
      signal.disconnect(onEmit);
    };
  }, [signal]);
  return version;
}

/** The current time in ms, refreshed every `intervalMs` (null pauses the clock). */
export function useNow(intervalMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (intervalMs === null) {
      return;
    }
    setNow(Date.now());
    const handle = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(handle);
  }, [intervalMs]);
  return now;
}

/** The cost guard's last answer, re-rendering when it changes; null without a model or before it answers. */
export function useCostGuard(
  model: CostGuardModel | null | undefined
): ICostGuard | null {
  const [, setVersion] = useState(0);
  useEffect(() => {
    if (!model) {
      return;
    }
    const onChange = (): void => setVersion(v => v + 1);
    model.changed.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
    };
  }, [model]);
  return model?.state ?? null;
}
