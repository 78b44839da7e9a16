/**
 * User settings of the panel (schema/plugin.json), with defaults until the registry has loaded.
 */
import { ISignal, Signal } from '@lumino/signaling';

export interface IPanelSettingsValues {
  /** Seconds between status checks of endpoints that are still changing. */
  pollInterval: number;
  /** Ask before deleting an endpoint. */
  confirmDelete: boolean;
  /** Show a notification when an endpoint becomes InService or Failed. */
  notifyOnStateChange: boolean;
  /** The deploy form's auto-delete choice: idle minutes (0 never), or null for the server default. */
  autoDeleteIdleMinutes: number | null;
}

export const DEFAULT_PANEL_SETTINGS: IPanelSettingsValues = {
  pollInterval: 10,
  confirmDelete: true,
  notifyOnStateChange: true,
  autoDeleteIdleMinutes: null
};

/** Clamp and type-check raw settings (anything invalid falls back to the default). */
export function normalizeSettings(
  raw: Record<string, unknown>
): IPanelSettingsValues {
  const poll = raw.pollInterval;
  const idle = raw.autoDeleteIdleMinutes;
  return {
    pollInterval:
      typeof poll === 'number' && Number.isFinite(poll)
        ? Math.min(600, Math.max(2, poll))
        : DEFAULT_PANEL_SETTINGS.pollInterval,
    confirmDelete:
      typeof raw.confirmDelete === 'boolean'
        ? raw.confirmDelete
        : DEFAULT_PANEL_SETTINGS.confirmDelete,
    notifyOnStateChange:
      typeof raw.notifyOnStateChange === 'boolean'
        ? raw.notifyOnStateChange
        : DEFAULT_PANEL_SETTINGS.notifyOnStateChange,
    autoDeleteIdleMinutes:
      typeof idle === 'number' && Number.isInteger(idle) && idle >= 0
        ? idle
        : DEFAULT_PANEL_SETTINGS.autoDeleteIdleMinutes
  };
}

export class PanelSettings {
  get values(): IPanelSettingsValues {
    return this._values;
  }

  get changed(): ISignal<this, IPanelSettingsValues> {
    return this._changed;
  }

  update(raw: Record<string, unknown>): void {
    this._values = normalizeSettings(raw);
    this._changed.emit(this._values);
  }

  private _values: IPanelSettingsValues = { ...DEFAULT_PANEL_SETTINGS };
  private _changed = new Signal<this, IPanelSettingsValues>(this);
}
