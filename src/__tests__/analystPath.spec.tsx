/**
 * Issue 12, the analyst's path: the Playground opened by "Try this" or on a ready endpoint, and the
 * notification that offers it.
 */
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import React, { act } from 'react';

import { IEndpoint } from '../api/types';
import { ModelDetail } from '../components/ModelDetail';
import { PlaygroundView } from '../components/PlaygroundView';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelNavigator } from '../models/panelNavigator';
import { PanelSettings } from '../models/panelSettings';
import { EndpointNotifier } from '../notifications';
import {
  BASE_EP,
  byTestId,
  CHAT_EP,
  click,
  mount,
  nameOf,
  query,
  request,
  servicesWith
} from './panelHarness';
import { card13b, MODELS } from './fixtures';

describe('The path: the Playground opened by "Try this" or a ready endpoint', () => {
  it('sends an example prompt with its settings and puts the focus in the prompt box', async () => {
    const services = await servicesWith([BASE_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
        request={request('base-ep', {
          inputs: 'The capital of France is',
          parameters: { max_new_tokens: 32, temperature: 0.6, top_p: 0.9 }
        })}
      />,
      services
    );
    const calls = (services.api.streamInvocation as jest.Mock).mock.calls;
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('base-ep');
    // Sampling values are sent only with do_sample, as when typed by hand.
    expect(calls[0][1]).toEqual({
      inputs: 'The capital of France is',
      parameters: { max_new_tokens: 32 }
    });
    const prompt = byTestId(widget, 'llama-neuron-playground-prompt');
    expect((prompt as HTMLTextAreaElement).value).toBe(
      'The capital of France is'
    );
    expect(document.activeElement).toBe(prompt);
    expect(byTestId(widget, 'llama-neuron-playground-output').textContent).toBe(
      'ok'
    );
    await act(async () => widget.dispose());
  });

  it('starts a fresh chat with the example as the first message', async () => {
    const services = await servicesWith([CHAT_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="chat-ep"
        onSelect={jest.fn()}
        request={request('chat-ep', { inputs: 'What is Inferentia2?' })}
      />,
      services
    );
    const calls = (services.api.streamInvocation as jest.Mock).mock.calls;
    expect(calls[0][1]).toEqual({
      messages: [{ role: 'user', content: 'What is Inferentia2?' }],
      parameters: { max_new_tokens: 64 }
    });
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-chat-input')
    );
    await act(async () => widget.dispose());
  });

  it('only focuses the message box when opened without a prompt, and handles a request once', async () => {
    const services = await servicesWith([CHAT_EP]);
    const navigator = new PanelNavigator();
    navigator.openPlayground('chat-ep');
    const element = (
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="chat-ep"
        onSelect={jest.fn()}
        request={navigator.playgroundRequest}
      />
    );
    const widget = await mount(element, services);
    expect(services.api.streamInvocation).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-chat-input')
    );
    await act(async () => widget.dispose());
  });

  it('keeps a prompt for an endpoint still being created and sends it when the Playground opens on it', () => {
    const navigator = new PanelNavigator();
    navigator.sendWhenReady('new-ep', { inputs: 'Hello' });
    navigator.openPlayground('other-ep');
    expect(navigator.playgroundRequest?.prompt).toBeNull();
    navigator.openPlayground('new-ep');
    expect(navigator.playgroundRequest).toMatchObject({
      endpoint: 'new-ep',
      prompt: { inputs: 'Hello' }
    });
    expect(navigator.tab).toBe('playground');
    // Sent once: opening it again only focuses.
    navigator.openPlayground('new-ep');
    expect(navigator.playgroundRequest?.prompt).toBeNull();
  });

  it('the model card puts the deploy actions first and offers "Try this" on each example', async () => {
    const services = await servicesWith([]);
    const onTry = jest.fn();
    const card = card13b();
    const widget = await mount(
      <ModelDetail
        card={card}
        status={null}
        deploying={false}
        onBack={jest.fn()}
        onQuickDeploy={jest.fn()}
        onCustomDeploy={jest.fn()}
        hasEndpoint={false}
        onTryExample={onTry}
      />,
      services
    );
    const quick = byTestId(widget, 'llama-neuron-quick-deploy');
    const description = Array.from(widget.node.querySelectorAll('p')).find(
      p => p.textContent === card.description
    )!;
    // Quick deploy comes before the description and the licence, where the eye lands first.
    expect(
      quick.compareDocumentPosition(description) &
        Node.DOCUMENT_POSITION_FOLLOWING
    ).toBeTruthy();
    const tries = Array.from(
      widget.node.querySelectorAll<HTMLElement>(
        '[data-testid="llama-neuron-example-try"]'
      )
    );
    expect(tries).toHaveLength(card.example_prompts.length);
    expect(tries[0].textContent).toBe('Try this');
    expect(nameOf(tries[0]).startsWith('Try this')).toBe(true);
    await click(tries[0]);
    expect(onTry).toHaveBeenCalledWith(card.example_prompts[0]);
    // Settings in words, not JSON.
    const settings = query(widget, 'llama-neuron-example-settings');
    if (settings) {
      expect(settings.textContent).not.toContain('{');
    }
    await act(async () => widget.dispose());
  });
});

describe('Notifications', () => {
  it('offers "Open in playground" when a deployed endpoint is in service', () => {
    const stateChanged = new Signal<
      unknown,
      { endpoint: IEndpoint; previousStatus: string }
    >({});
    const success = jest
      .spyOn(Notification, 'success')
      .mockImplementation(() => 'id');
    const open = jest.fn();
    new EndpointNotifier({
      model: { stateChanged } as unknown as EndpointsModel,
      settings: new PanelSettings(),
      trans: nullTranslator.load('jupyter_llama_neuron'),
      onShow: jest.fn(),
      onOpenPlayground: open
    });
    stateChanged.emit({ endpoint: BASE_EP, previousStatus: 'Creating' });
    const options = success.mock.calls[0][1] as Notification.IOptions<null>;
    const action = options.actions?.find(
      item => item.label === 'Open in playground'
    );
    expect(action).toBeDefined();
    action?.callback({} as MouseEvent);
    expect(open).toHaveBeenCalledWith('base-ep');
    success.mockRestore();
  });
});
