/**
 * Mounting one fine-tune wizard step with a state built through the wizard's reducer.
 */
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import { IPreflightReport } from '../api/types';
import { IWizardStepProps } from '../components/FineTuneStepFrame';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import {
  deriveWizard,
  initialWizardState,
  IWizardState,
  WizardAction,
  wizardReducer
} from '../models/fineTuneWizard';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, RULES, trainingJobsFor } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

export const trans: TranslationBundle = nullTranslator.load(
  'jupyter_llama_neuron'
);

export const TEMPLATE = 'Q: {instruction}\n{context}\nA: {response}';

export const UPLOAD = {
  upload_id: '0'.repeat(32),
  uri: `upload://${'0'.repeat(32)}/d.jsonl`,
  bytes: 36,
  filename: 'd.jsonl'
};

export function preflightReport(
  extra: Partial<IPreflightReport> = {}
): IPreflightReport {
  return {
    ok: true,
    dataset_format: 'instruction',
    template: TEMPLATE,
    lines: 3,
    records: 3,
    train_records: 3,
    holdout: 0,
    skipped_blank_lines: 0,
    error_count: 0,
    errors: [],
    errors_truncated: false,
    samples: [],
    token_count_method: 'estimate',
    token_count_note: '',
    max_input_length: 2048,
    token_stats: { min: 1, max: 1, mean: 1, p50: 1, p95: 1, total: 3 },
    histogram: [{ min: 2049, max: null, count: 0, truncated: true }],
    truncated_records: 0,
    truncated_share: 0,
    heldout_prompts: [],
    heldout_suggestion: { count: 0, note: '' },
    source: { kind: 'upload', filename: 'd.jsonl' },
    ...extra
  };
}

export function services(api: Partial<IApiClient> = {}): IPanelServices {
  return {
    api: api as IApiClient,
    trainingJobs: trainingJobsFor(api),
    rules: RULES,
    endpoints: new EndpointsModel({
      source: {
        listEndpoints: async () => ({ endpoints: [] }),
        getEndpoint: async () => endpoint('x', 'InService')
      }
    }),
    settings: new PanelSettings(),
    trans,
    notifier: null
  };
}

/** The state after these actions, from the initial one. */
export function stateAfter(...actions: WizardAction[]): IWizardState {
  return actions.reduce(wizardReducer, initialWizardState());
}

/** Props for a step: the state, its view, and jest mocks for the callbacks. */
export function stepProps(
  state: IWizardState,
  local = false
): IWizardStepProps & {
  dispatch: jest.Mock;
  onGoTo: jest.Mock;
  onCancel: jest.Mock;
} {
  return {
    state,
    view: deriveWizard(state, { local, rules: RULES, trans }),
    dispatch: jest.fn(),
    local,
    rules: RULES,
    onGoTo: jest.fn(),
    onCancel: jest.fn(),
    headings: {}
  };
}

export interface IMounted {
  widget: Widget;
  q: <T extends HTMLElement>(testId: string) => T;
  text: () => string;
  dispose: () => Promise<void>;
}

export async function mountStep(
  element: JSX.Element,
  panel: IPanelServices = services()
): Promise<IMounted> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={panel}>{element}</PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return {
    widget,
    q: <T extends HTMLElement>(testId: string) =>
      widget.node.querySelector<T>(`[data-testid="${testId}"]`)!,
    text: () => widget.node.textContent ?? '',
    dispose: async () => {
      await act(async () => widget.dispose());
    }
  };
}

export async function settle(): Promise<void> {
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 0));
  });
}

/** Types into a React-controlled input or textarea. */
export async function typeInto(
  element: HTMLInputElement | HTMLTextAreaElement,
  value: string
): Promise<void> {
  const prototype = Object.getPrototypeOf(element) as object;
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')?.set;
  await act(async () => {
    setter?.call(element, value);
    element.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
