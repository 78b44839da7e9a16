import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { ApiRequestError, createApiClient, IApiClient } from '../api/client';
import { ICreateNotebookRequest } from '../api/types';
import {
  OPEN_DOCUMENT_COMMAND,
  OpenNotebookButton
} from '../components/OpenNotebookButton';
import { IPanelCommands, IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, trainingJobsFor, RULES } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const MODEL = 'meta-textgenerationneuron-llama-2-7b';

function services(
  api: Partial<IApiClient>,
  commands: IPanelCommands | null
): IPanelServices {
  return {
    api: api as IApiClient,
    rules: RULES,
    trainingJobs: trainingJobsFor(api),
    endpoints: new EndpointsModel({
      source: {
        listEndpoints: async () => ({ endpoints: [] }),
        getEndpoint: async () => endpoint('x', 'InService')
      }
    }),
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null,
    commands
  };
}

async function mount(
  element: JSX.Element,
  api: Partial<IApiClient>,
  commands: IPanelCommands | null
): Promise<Widget> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services(api, commands)}>
      {element}
    </PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

function button(root: Widget, id: string): HTMLButtonElement {
  const element = root.node.querySelector<HTMLButtonElement>(
    `[data-testid="${id}"]`
  );
  if (!element) {
    throw new Error(`no ${id}`);
  }
  return element;
}

async function click(element: HTMLElement): Promise<void> {
  await act(async () => {
    element.click();
  });
}

describe('createNotebook (typed client)', () => {
  it('POSTs the body as JSON to /notebooks and returns the path', async () => {
    const fetchMock = jest.fn(
      async (_url: RequestInfo, _init?: RequestInit) =>
        new Response(JSON.stringify({ path: 'llama-2-7b-deploy.ipynb' }), {
          status: 201,
          headers: { 'Content-Type': 'application/json' }
        })
    );
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/lab-base/',
      fetch: fetchMock as unknown as typeof fetch
    });
    const body: ICreateNotebookRequest = {
      step: 'invoke',
      model_id: MODEL,
      endpoint_name: 'ep-1',
      prompts: ['Say "hi" {x}\nsecond line'],
      parameters: { max_new_tokens: 16 }
    };
    const result = await createApiClient(settings).createNotebook(body);
    expect(result).toEqual({ path: 'llama-2-7b-deploy.ipynb' });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [request, init] = fetchMock.mock.calls[0];
    const url = typeof request === 'string' ? request : request.url;
    const method = typeof request === 'string' ? init?.method : request.method;
    expect(url.split('?')[0]).toBe(
      'http://localhost:8888/lab-base/llama-neuron/api/v1/notebooks'
    );
    expect(method).toBe('POST');
    const sent =
      typeof request === 'string' ? String(init?.body) : await request.text();
    expect(JSON.parse(sent)).toEqual(body);
  });
});

describe('OpenNotebookButton', () => {
  it('writes the notebook for the current choices, then opens it with docmanager:open', async () => {
    const createNotebook = jest.fn(async (_body: ICreateNotebookRequest) => ({
      path: 'llama-2-7b-deploy-1.ipynb'
    }));
    const execute = jest.fn(async () => undefined);
    const onOpened = jest.fn();
    let endpointName = 'first';
    const widget = await mount(
      <OpenNotebookButton
        testId="llama-neuron-open-notebook"
        request={() => ({
          step: 'deploy',
          model_id: MODEL,
          endpoint_name: endpointName
        })}
        onOpened={onOpened}
      />,
      { createNotebook },
      { execute }
    );
    endpointName = 'chosen-later'; // the request is built at click time
    await click(button(widget, 'llama-neuron-open-notebook'));

    expect(createNotebook).toHaveBeenCalledWith({
      step: 'deploy',
      model_id: MODEL,
      endpoint_name: 'chosen-later'
    });
    expect(execute).toHaveBeenCalledWith(OPEN_DOCUMENT_COMMAND, {
      path: 'llama-2-7b-deploy-1.ipynb'
    });
    expect(onOpened).toHaveBeenCalledWith('llama-2-7b-deploy-1.ipynb');
    expect(
      button(widget, 'llama-neuron-open-notebook').getAttribute(
        'data-notebook-path'
      )
    ).toBe('llama-2-7b-deploy-1.ipynb');
    await act(async () => widget.dispose());
  });

  it('shows the server error and opens nothing', async () => {
    const createNotebook = jest.fn(async () => {
      throw new ApiRequestError({
        status: 400,
        code: 'ConfigNotPrecompiled',
        message: 'No precompiled Neuron configuration.',
        hint: 'Pick one of the allowed tuples.'
      });
    });
    const execute = jest.fn(async () => undefined);
    const widget = await mount(
      <OpenNotebookButton
        testId="llama-neuron-deploy-notebook"
        request={() => ({ step: 'deploy', model_id: MODEL })}
      />,
      { createNotebook },
      { execute }
    );
    await click(button(widget, 'llama-neuron-deploy-notebook'));
    expect(execute).not.toHaveBeenCalled();
    expect(widget.node.textContent).toContain(
      'No precompiled Neuron configuration.'
    );
    expect(button(widget, 'llama-neuron-deploy-notebook').disabled).toBe(false);
    await act(async () => widget.dispose());
  });

  it('sends nothing when the choices cannot make a notebook', async () => {
    const createNotebook = jest.fn();
    const widget = await mount(
      <OpenNotebookButton
        testId="llama-neuron-compare-notebook"
        request={() => null}
      />,
      { createNotebook },
      null
    );
    await click(button(widget, 'llama-neuron-compare-notebook'));
    expect(createNotebook).not.toHaveBeenCalled();
    await act(async () => widget.dispose());
  });
});
