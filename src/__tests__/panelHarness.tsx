/**
 * Mounting panel components for the Playground, Compare and analyst specs: services over a list of endpoints
 * and a scripted stream, typing, clicking, finding by test id. Importing it also clears localStorage before
 * each test and empties the page after each.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import {
  IEndpoint,
  IInvocationRequest,
  IInvocationResult,
  IStreamHandlers
} from '../api/types';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { IPlaygroundRequest } from '../models/panelNavigator';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, MODELS, RULES, trainingJobsFor } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

export type StreamFn = (
  name: string,
  body: IInvocationRequest,
  handlers?: IStreamHandlers,
  signal?: AbortSignal
) => Promise<IInvocationResult>;

export const BASE_EP = endpoint('base-ep', 'InService');
export const CHAT_EP = endpoint('chat-ep', 'InService', {
  model_id: MODELS[1].id,
  model_display_name: MODELS[1].display_name
});
export const TUNED_EP = endpoint('tiny-ft-1', 'InService', {
  training_job: 'tiny-ft-1'
});

export function answer(
  text: string,
  extra: Partial<IInvocationResult> = {}
): IInvocationResult {
  return {
    generated_text: text,
    tokens_out: 4,
    latency_s: 2,
    ttft_s: 0.25,
    finish_reason: 'eos',
    streamed: true,
    sagemaker_payload: { inputs: text, parameters: {} },
    ...extra
  };
}

export async function servicesWith(
  list: IEndpoint[],
  stream: StreamFn = async () => answer('ok'),
  api: Partial<IApiClient> = {}
): Promise<IPanelServices> {
  const endpoints = new EndpointsModel({
    source: {
      listEndpoints: async () => ({ endpoints: list }),
      getEndpoint: async name =>
        list.find(item => item.name === name) ?? list[0]
    }
  });
  await endpoints.refresh();
  return {
    api: { streamInvocation: jest.fn(stream), ...api } as IApiClient,
    endpoints,
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null,
    trainingJobs: trainingJobsFor(api),
    rules: RULES
  };
}

export async function mount(
  element: JSX.Element,
  services: IPanelServices
): Promise<Widget> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services}>{element}</PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

export const query = (root: Widget, id: string): HTMLElement | null =>
  root.node.querySelector<HTMLElement>(`[data-testid="${id}"]`);

export const byTestId = (root: Widget, id: string): HTMLElement => {
  const element = query(root, id);
  if (!element) {
    throw new Error(`no ${id}`);
  }
  return element;
};

export async function type(element: HTMLElement, value: string): Promise<void> {
  await act(async () => {
    const proto =
      element instanceof HTMLTextAreaElement
        ? HTMLTextAreaElement.prototype
        : element instanceof HTMLSelectElement
          ? HTMLSelectElement.prototype
          : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(element, value);
    element.dispatchEvent(
      new Event(element instanceof HTMLSelectElement ? 'change' : 'input', {
        bubbles: true
      })
    );
  });
}

export async function click(element: HTMLElement): Promise<void> {
  await act(async () => {
    element.click();
  });
}

/** The accessible name of a button labelled with aria-label, else its text. */
export const nameOf = (element: HTMLElement): string =>
  element.getAttribute('aria-label') ?? element.textContent ?? '';

export function request(
  endpointName: string,
  prompt: IPlaygroundRequest['prompt'],
  id = 1
): IPlaygroundRequest {
  return { id, endpoint: endpointName, prompt };
}

beforeEach(() => {
  window.localStorage.clear();
});

afterEach(() => {
  document.body.innerHTML = '';
});
