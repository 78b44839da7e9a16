/**
 * The Lumino side of the panel: a ReactWidget that renders `LlamaNeuronPanel` with the shared services.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { LlamaNeuronPanel } from '../components/LlamaNeuronPanel';
import { IPanelServices, PanelContext } from '../context';
import { PanelNavigator } from '../models/panelNavigator';

export class LlamaNeuronWidget extends ReactWidget {
  constructor(options: LlamaNeuronWidget.IOptions) {
    super();
    this._services = options.services;
    this.navigator = options.navigator;
    this.addClass('jp-LlamaNeuron-widget');
  }

  /** Switch tabs from outside React. */
  readonly navigator: PanelNavigator;

  protected render(): JSX.Element {
    return (
      <PanelContext.Provider value={this._services}>
        <LlamaNeuronPanel navigator={this.navigator} />
      </PanelContext.Provider>
    );
  }

  private _services: IPanelServices;
}

export namespace LlamaNeuronWidget {
  export interface IOptions {
    services: IPanelServices;
    navigator: PanelNavigator;
  }
}
