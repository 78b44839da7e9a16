import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import { IEndpoint } from '../api/types';
import { EndpointRow } from '../components/EndpointRow';
import { IPanelServices, PanelContext } from '../context';
import { SERVER_DEFAULT } from '../models/costGuard';
import { EndpointsModel } from '../models/endpointsModel';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, trainingJobsFor, RULES } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

function services(): IPanelServices {
  return {
    api: {} as IApiClient,
    rules: RULES,
    trainingJobs: trainingJobsFor({}),
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

async function mount(element: JSX.Element): Promise<Widget> {
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services()}>{element}</PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

const query = (root: Widget, id: string): HTMLElement | null =>
  root.node.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('EndpointRow cost guard', () => {
  it('shows idle time, the auto-delete select and the warning with Keep', async () => {
    const now = Date.parse('2024-01-17T10:00:00Z');
    const onChange = jest.fn();
    const onKeep = jest.fn();
    const item = endpoint('idle-one', 'InService', {
      idle_minutes: 12,
      idle_capped: false,
      auto_delete_idle_minutes: 15,
      auto_delete_source: 'server',
      deletes_at: '2024-01-17T10:03:00Z',
      warning: true
    });
    const widget = await mount(
      <EndpointRow
        endpoint={item}
        now={now}
        deleting={false}
        onDelete={jest.fn()}
        autoDelete={{ defaultMinutes: 15, saving: false, onChange, onKeep }}
      />
    );
    try {
      expect(query(widget, 'llama-neuron-endpoint-idle')?.textContent).toBe(
        '12 min'
      );
      const found = query(widget, 'llama-neuron-endpoint-auto-delete');
      const select = (
        found?.tagName === 'SELECT' ? found : found?.querySelector('select')
      ) as HTMLSelectElement;
      expect(select.value).toBe(SERVER_DEFAULT);
      await act(async () => {
        select.value = '60';
        select.dispatchEvent(new Event('change', { bubbles: true }));
      });
      expect(onChange).toHaveBeenCalledWith(item, 60);
      const notice = query(widget, 'llama-neuron-endpoint-deletes-at');
      expect(notice?.dataset.warning).toBe('true');
      expect(notice?.textContent).toContain('in 3 min');
      await act(async () => {
        query(widget, 'llama-neuron-endpoint-keep')?.click();
      });
      expect(onKeep).toHaveBeenCalledWith(item);
    } finally {
      await act(async () => widget.dispose());
    }
  });

  it('shows no cost guard controls for a server without them', async () => {
    // An endpoint as a server without the cost guard sent it: none of its fields.
    const {
      idle_minutes: _idle,
      auto_delete_source: _source,
      ...older
    } = endpoint('plain', 'InService');
    const widget = await mount(
      <EndpointRow
        endpoint={older as IEndpoint}
        now={Date.now()}
        deleting={false}
        onDelete={jest.fn()}
        autoDelete={{
          saving: false,
          onChange: jest.fn(),
          onKeep: jest.fn()
        }}
      />
    );
    try {
      expect(query(widget, 'llama-neuron-endpoint-idle')).toBeNull();
      expect(query(widget, 'llama-neuron-endpoint-auto-delete')).toBeNull();
    } finally {
      await act(async () => widget.dispose());
    }
  });
});
