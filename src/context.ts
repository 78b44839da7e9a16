/**
 * What the React components of the panel share: the API, the endpoints model, settings, translations.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IApiClient } from './api/client';
import { IServerRules } from './api/types';
import { IEvaluationsApi } from './api/evaluations';
import { CostGuardModel } from './models/costGuard';
import { EndpointsModel } from './models/endpointsModel';
import { PanelSettings } from './models/panelSettings';
import { TrainingJobsModel } from './models/trainingJobsModel';
import { EndpointNotifier } from './notifications';

export interface IPanelServices {
  api: IApiClient;
  endpoints: EndpointsModel;
  settings: PanelSettings;
  trans: TranslationBundle;
  notifier: EndpointNotifier | null;
  /** The training jobs, polled while running. */
  trainingJobs: TrainingJobsModel;
  /** The server's rules (`GET /status` `rules`); null until the status answers. */
  rules: IServerRules | null;
  /** The cost guard (burn, idle times, auto-delete warnings); optional: views work without it. */
  costGuard?: CostGuardModel | null;
  /** `/evaluations` (optional: the Evaluate tab says it is unavailable without it). */
  evaluations?: IEvaluationsApi | null;
  /** JupyterLab's command registry (e.g. `docmanager:open`); absent outside JupyterLab (tests). */
  commands?: IPanelCommands | null;
}

/** What the panel needs from JupyterLab's command registry (`app.commands` satisfies it). */
export interface IPanelCommands {
  execute(id: string, args?: { [key: string]: string }): Promise<unknown>;
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

/** The server's rules (parameter specs, name and URI patterns, training assumptions); null until known. */
export function useServerRules(): IServerRules | null {
  return usePanelServices().rules;
}
