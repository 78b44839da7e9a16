import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import { EulaDialog } from '../components/EulaDialog';
import { TryItBox } from '../components/TryItBox';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelSettings } from '../models/panelSettings';
import {
  card13b,
  endpoint,
  invocationResult,
  trainingJobsFor,
  RULES
} from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

function services(api: Partial<IApiClient>): IPanelServices {
  const full = api as IApiClient;
  return {
    api: full,
    rules: RULES,
    trainingJobs: trainingJobsFor(full),
    endpoints: new EndpointsModel({
      source: {
        listEndpoints: async () => ({ endpoints: [] }),
        getEndpoint: async () => endpoint('x', 'InService')
      }
    }),
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null
  };
}

async function mount(
  element: JSX.Element,
  api: Partial<IApiClient>
): Promise<Widget> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services(api)}>
      {element}
    </PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

const byTestId = (root: Widget, id: string): HTMLElement => {
  const element = root.node.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!element) {
    throw new Error(`no ${id}`);
  }
  return element;
};

async function click(element: HTMLElement): Promise<void> {
  await act(async () => {
    element.click();
  });
}

describe('EulaDialog', () => {
  it('enables Accept only after the checkbox, then records the acceptance', async () => {
    const record = {
      model_id: card13b().id,
      eula_url: 'e',
      aup_url: 'a',
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me'
    };
    const acceptEula = jest.fn(async () => record);
    const onAccepted = jest.fn();
    const widget = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={onAccepted}
        onCancel={jest.fn()}
      />,
      { acceptEula }
    );
    const accept = byTestId(
      widget,
      'llama-neuron-eula-accept'
    ) as HTMLButtonElement;
    expect(accept.disabled).toBe(true);
    expect(
      byTestId(widget, 'llama-neuron-eula-link').getAttribute('href')
    ).toBe('https://ai.meta.com/llama/license/');
    expect(byTestId(widget, 'llama-neuron-aup-link').getAttribute('href')).toBe(
      'https://ai.meta.com/llama/use-policy/'
    );
    await click(accept);
    expect(acceptEula).not.toHaveBeenCalled();

    const checkbox = byTestId(
      widget,
      'llama-neuron-eula-checkbox'
    ) as HTMLInputElement;
    const label = widget.node.querySelector(`label[for="${checkbox.id}"]`);
    expect(label?.textContent).toBe(
      'I have read and accept the Llama 2 Community License and Acceptable Use Policy'
    );
    await click(checkbox);
    expect(accept.disabled).toBe(false);
    await click(accept);
    expect(acceptEula).toHaveBeenCalledWith(card13b().id, true);
    expect(onAccepted).toHaveBeenCalledWith(record);
    await act(async () => widget.dispose());
  });
});

describe('TryItBox', () => {
  async function send(result: {
    generated_text: string;
    finish_reason: string | null;
  }): Promise<{ widget: Widget; invoke: jest.Mock }> {
    const invoke = jest.fn(async () =>
      invocationResult(result.generated_text, {
        tokens_out: 0,
        latency_s: 0.1,
        finish_reason: result.finish_reason
      })
    );
    const widget = await mount(
      <TryItBox endpoint={endpoint('ep', 'InService')} />,
      {
        invokeEndpoint: invoke
      }
    );
    const prompt = byTestId(
      widget,
      'llama-neuron-tryit-prompt'
    ) as HTMLTextAreaElement;
    await act(async () => {
      const setter = Object.getOwnPropertyDescriptor(
        HTMLTextAreaElement.prototype,
        'value'
      )?.set;
      setter?.call(prompt, 'Question: What is the capital of France?\nAnswer:');
      prompt.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await click(byTestId(widget, 'llama-neuron-tryit-send'));
    return { widget, invoke };
  }

  it('explains an answer that ended immediately', async () => {
    const { widget, invoke } = await send({
      generated_text: '',
      finish_reason: 'eos_immediately'
    });
    expect(invoke).toHaveBeenCalledWith('ep', {
      inputs: 'Question: What is the capital of France?\nAnswer:',
      parameters: { max_new_tokens: 64 }
    });
    expect(byTestId(widget, 'llama-neuron-tryit-empty').textContent).toBe(
      "The model ended immediately. Try a completion-style prompt such as 'The capital of France is' or use the chat model."
    );
    expect(
      widget.node.querySelector('[data-testid="llama-neuron-tryit-output"]')
    ).toBeNull();
    await act(async () => widget.dispose());
  });

  it('shows the generated text', async () => {
    const { widget } = await send({
      generated_text: ' Paris.',
      finish_reason: 'eos'
    });
    expect(byTestId(widget, 'llama-neuron-tryit-output').textContent).toBe(
      ' Paris.'
    );
    await act(async () => widget.dispose());
  });
});
