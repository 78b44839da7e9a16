import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { ApiRequestError, IApiClient } from '../api/client';
import { IEndpoint } from '../api/types';
import { EndpointRow } from '../components/EndpointRow';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, trainingJobsFor, RULES } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const FAILED = endpoint('crashy', 'Failed', {
  backend: 'local',
  failure_reason: 'The local worker was killed by SIGKILL',
  actions: ['restart']
});

function services(api: Partial<IApiClient>): IPanelServices {
  return {
    api: api as IApiClient,
    rules: RULES,
    trainingJobs: trainingJobsFor({}),
    endpoints: new EndpointsModel({
      source: {
        listEndpoints: async () => ({ endpoints: [] }),
        getEndpoint: async name => endpoint(name, 'Creating')
      },
      pollInterval: 60_000
    }),
    settings: new PanelSettings(),
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null
  };
}

async function mount(item: IEndpoint, panel: IPanelServices): Promise<Widget> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={panel}>
      <EndpointRow
        endpoint={item}
        now={Date.now()}
        deleting={false}
        onDelete={jest.fn()}
      />
    </PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

const restartButton = (root: Widget): HTMLButtonElement | null =>
  root.node.querySelector<HTMLButtonElement>(
    '[data-testid="llama-neuron-endpoint-restart"]'
  );

describe('Restart in the endpoint row', () => {
  it('is shown only when the server offers it', async () => {
    const panel = services({});
    for (const item of [
      endpoint('cloud-failed', 'Failed'), // SageMaker: actions []
      endpoint('serving', 'InService', { backend: 'local' })
    ]) {
      const widget = await mount(item, panel);
      try {
        expect(restartButton(widget)).toBeNull();
      } finally {
        await act(async () => widget.dispose());
      }
    }
    const widget = await mount(FAILED, panel);
    try {
      const button = restartButton(widget);
      expect(button?.getAttribute('aria-label')).toBe(
        'Restart endpoint crashy'
      );
      expect(button?.textContent).toBe('Restart');
    } finally {
      await act(async () => widget.dispose());
      panel.endpoints.dispose();
    }
  });

  it('asks the server and puts the restarting endpoint in the list', async () => {
    const restarting = endpoint('crashy', 'Creating', { backend: 'local' });
    const restartEndpoint = jest.fn(async () => restarting);
    const panel = services({ restartEndpoint });
    const widget = await mount(FAILED, panel);
    try {
      await act(async () => restartButton(widget)?.click());
      expect(restartEndpoint).toHaveBeenCalledWith('crashy');
      expect(panel.endpoints.get('crashy')?.status).toBe('Creating');
      expect(panel.endpoints.hasActive).toBe(true); // polled until it settles
      expect(
        widget.node.querySelector('[data-testid="llama-neuron-error"]')
      ).toBeNull();
    } finally {
      await act(async () => widget.dispose());
      panel.endpoints.dispose();
    }
  });

  it('shows the refusal with its hint', async () => {
    const restartEndpoint = jest.fn(async () => {
      throw new ApiRequestError({
        status: 503,
        code: 'InsufficientMemory',
        message: 'Not enough memory for another worker.',
        hint: 'Delete an endpoint first.'
      });
    });
    const panel = services({ restartEndpoint });
    const widget = await mount(FAILED, panel);
    try {
      await act(async () => restartButton(widget)?.click());
      const banner = widget.node.querySelector<HTMLElement>(
        '[data-testid="llama-neuron-error"]'
      );
      expect(banner?.dataset.errorCode).toBe('InsufficientMemory');
      expect(banner?.textContent).toContain(
        'Not enough memory for another worker.'
      );
      expect(banner?.textContent).toContain('Delete an endpoint first.');
      expect(restartButton(widget)?.disabled).toBe(false); // can be tried again
    } finally {
      await act(async () => widget.dispose());
      panel.endpoints.dispose();
    }
  });
});
