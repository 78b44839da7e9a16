/**
 * Small formatting helpers for durations and numbers (translated through a TranslationBundle).
 */
import type { TranslationBundle } from '@jupyterlab/translation';

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(
  seconds: number,
  trans: TranslationBundle
): string {
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) {
    return trans.__('%1 s', total);
  }
  const minutes = Math.floor(total / 60);
  if (minutes < 60) {
    return trans.__('%1 min', minutes);
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return trans.__('%1 h %2 min', hours, minutes % 60);
  }
  return trans.__('%1 d %2 h', Math.floor(hours / 24), hours % 24);
}

/** "1.23 s" */
export function formatSeconds(
  seconds: number,
  trans: TranslationBundle
): string {
  return trans.__('%1 s', seconds.toFixed(2));
}

/** A date-time in the user's locale, or the raw text when it cannot be parsed. */
export function formatDateTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toLocaleString() : iso;
}

/** "512 B", "3.4 KB", "517 MB", "1.2 GB" (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
