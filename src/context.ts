/**
 * What the React components of the panel share: the API, the endpoints model, settings, translations.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IApiClient } from './api/client';
import { EndpointsModel } from './models/endpointsModel';
import { PanelSettings } from './models/panelSettings';
import { EndpointNotifier } from './notifications';

export interface IPanelServices {
  api: IApiClient;
  endpoints: EndpointsModel;
  settings: PanelSettings;
  trans: TranslationBundle;
  notifier: EndpointNotifier | null;
}

export const PanelContext = React.createContext<IPanelServices | null>(null);

/** The panel services; throws when used outside `<PanelContext.Provider>`. */
export function usePanelServices(): IPanelServices {
  const services = React.useContext(PanelContext);
  if (!services) {
    throw new Error(
      'Llama 2 on Neuron components need a PanelContext provider'
    );
  }
  return services;
}
