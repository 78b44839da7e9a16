/**
 * Lets code outside React (commands, notifications) and sibling views switch the panel's tab, and open
 * the Playground on a given endpoint.
 */
import { ISignal, Signal } from '@lumino/signaling';

export type PanelTab = 'catalog' | 'resources' | 'playground' | 'compare';

export const PANEL_TABS: readonly PanelTab[] = [
  'catalog',
  'resources',
  'playground',
  'compare'
];

/** Whether a value (e.g. a command argument) names a tab. */
export function isPanelTab(value: unknown): value is PanelTab {
  return (
    typeof value === 'string' &&
    (PANEL_TABS as readonly string[]).includes(value)
  );
}

export class PanelNavigator {
  /** The tab most recently asked for. */
  get tab(): PanelTab {
    return this._tab;
  }

  /** The endpoint most recently asked for in the Playground (null when none). */
  get playgroundEndpoint(): string | null {
    return this._playgroundEndpoint;
  }

  get tabRequested(): ISignal<this, PanelTab> {
    return this._tabRequested;
  }

  /** Emits the endpoint name when the Playground is asked to show one. */
  get playgroundRequested(): ISignal<this, string> {
    return this._playgroundRequested;
  }

  requestTab(tab: PanelTab): void {
    this._tab = tab;
    this._tabRequested.emit(tab);
  }

  /** Switch to the Playground with `endpoint` selected. */
  openPlayground(endpoint: string): void {
    this._playgroundEndpoint = endpoint;
    this._playgroundRequested.emit(endpoint);
    this.requestTab('playground');
  }

  private _tab: PanelTab = 'catalog';
  private _playgroundEndpoint: string | null = null;
  private _tabRequested = new Signal<this, PanelTab>(this);
  private _playgroundRequested = new Signal<this, string>(this);
}
