/**
 * Lets code outside React (commands, notifications) switch the panel's tab.
 */
import { ISignal, Signal } from '@lumino/signaling';

export type PanelTab = 'catalog' | 'resources';

export class PanelNavigator {
  /** The tab most recently asked for. */
  get tab(): PanelTab {
    return this._tab;
  }

  get tabRequested(): ISignal<this, PanelTab> {
    return this._tabRequested;
  }

  requestTab(tab: PanelTab): void {
    this._tab = tab;
    this._tabRequested.emit(tab);
  }

  private _tab: PanelTab = 'catalog';
  private _tabRequested = new Signal<this, PanelTab>(this);
}
