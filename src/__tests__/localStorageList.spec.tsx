import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { ApiRequestError, createApiClient, IApiClient } from '../api/client';
import { ILocalStorage, IStorageItem } from '../api/types';
import { LocalStorageList } from '../components/LocalStorageList';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { formatBytes } from '../models/format';
import { PanelSettings } from '../models/panelSettings';
import { endpoint, trainingJobsFor, RULES } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

function storageItem(
  kind: IStorageItem['kind'],
  id: string,
  bytes: number,
  extra: Partial<IStorageItem> = {}
): IStorageItem {
  return {
    kind,
    id,
    label: `${kind.replace('_', ' ')} ${id}`,
    path: `/data/${kind}/${id}`,
    bytes,
    modified_at: '2026-12-05T09:00:00+00:00',
    in_use_by: [],
    deletable: true,
    ...extra
  };
}

function listing(items: IStorageItem[]): ILocalStorage {
  return {
    backend: 'local',
    data_dir: '/data',
    total_bytes: items.reduce((sum, item) => sum + item.bytes, 0),
    items
  };
}

const MODEL = storageItem('model', 'smollm2-135m-instruct', 538_000_000, {
  deletable: false,
  in_use_by: ['chat-1']
});
const DATASET = storageItem('dataset', '20261205-090000-abcdef01', 48_213);
const OUTPUT = storageItem('training_output', 'ft-1', 538_100_000, {
  in_use_by: ['ft-1-endpoint']
});

async function mount(api: Partial<IApiClient>): Promise<Widget> {
  const settings = new PanelSettings();
  settings.update({ confirmDelete: false });
  const services: IPanelServices = {
    api: api as IApiClient,
    rules: RULES,
    trainingJobs: trainingJobsFor(api),
    endpoints: new EndpointsModel({
      source: {
        listEndpoints: async () => ({ endpoints: [] }),
        getEndpoint: async () => endpoint('x', 'InService')
      }
    }),
    settings,
    trans: nullTranslator.load('jupyter_llama_neuron'),
    notifier: null,
    commands: null
  };
  const widget = ReactWidget.create(
    <PanelContext.Provider value={services}>
      <LocalStorageList />
    </PanelContext.Provider>
  );
  await act(async () => {
    Widget.attach(widget, document.body);
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
  return widget;
}

function row(widget: Widget, key: string): HTMLTableRowElement {
  const element = widget.node.querySelector<HTMLTableRowElement>(
    `[data-storage-item="${key}"]`
  );
  if (!element) {
    throw new Error(`no row ${key}`);
  }
  return element;
}

function deleteButton(widget: Widget, key: string): HTMLButtonElement {
  return row(widget, key).querySelector('button') as HTMLButtonElement;
}

describe('formatBytes', () => {
  it('uses decimal units with three significant digits', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(48_213)).toBe('48.2 KB');
    expect(formatBytes(538_000_000)).toBe('538 MB');
    expect(formatBytes(1_234_000_000)).toBe('1.23 GB');
  });
});

describe('local storage client', () => {
  it('DELETEs /storage/{kind}/{id} and returns the new listing', async () => {
    const fetchMock = jest.fn(
      async (_url: RequestInfo, _init?: RequestInit) =>
        new Response(JSON.stringify(listing([])), {
          status: 200,
          headers: { 'Content-Type': 'application/json' }
        })
    );
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: fetchMock as unknown as typeof fetch
    });
    const result = await createApiClient(settings).deleteLocalStorage(
      'dataset',
      DATASET.id
    );
    expect(result.items).toEqual([]);
    const [request, init] = fetchMock.mock.calls[0];
    const url = typeof request === 'string' ? request : request.url;
    const method = typeof request === 'string' ? init?.method : request.method;
    expect(url.split('?')[0]).toBe(
      `http://localhost:8888/llama-neuron/api/v1/storage/dataset/${DATASET.id}`
    );
    expect(method).toBe('DELETE');
  });
});

describe('LocalStorageList', () => {
  it('lists items with sizes and users, and offers Delete only for what nothing uses', async () => {
    const api = {
      listLocalStorage: jest.fn(async () => listing([MODEL, DATASET, OUTPUT]))
    };
    const widget = await mount(api);
    expect(widget.node.textContent).toContain('Local storage');
    expect(
      widget.node.querySelector('[data-testid="llama-neuron-storage-total"]')
        ?.textContent
    ).toBe(
      `${formatBytes(MODEL.bytes + DATASET.bytes + OUTPUT.bytes)} in /data`
    );
    expect(row(widget, 'dataset/' + DATASET.id).textContent).toContain(
      '48.2 KB'
    );
    expect(row(widget, 'training_output/ft-1').textContent).toContain(
      'ft-1-endpoint'
    );
    expect(deleteButton(widget, 'dataset/' + DATASET.id).disabled).toBe(false);
    const inUse = deleteButton(widget, 'training_output/ft-1');
    expect(inUse.disabled).toBe(true);
    expect(inUse.title).toBe('In use by ft-1-endpoint: delete those first.');
    expect(deleteButton(widget, 'model/' + MODEL.id).disabled).toBe(true);
    await act(async () => widget.dispose());
  });

  it('deletes an item and shows the listing the server answers with', async () => {
    const deleteLocalStorage = jest.fn(async () => listing([MODEL]));
    const api = {
      listLocalStorage: jest.fn(async () => listing([MODEL, DATASET])),
      deleteLocalStorage
    };
    const widget = await mount(api);
    await act(async () => {
      deleteButton(widget, 'dataset/' + DATASET.id).click();
    });
    expect(deleteLocalStorage).toHaveBeenCalledWith('dataset', DATASET.id);
    expect(
      widget.node.querySelector(`[data-storage-item="dataset/${DATASET.id}"]`)
    ).toBeNull();
    await act(async () => widget.dispose());
  });

  it("shows the server's 409 and keeps the item", async () => {
    const api = {
      listLocalStorage: jest.fn(async () => listing([DATASET])),
      deleteLocalStorage: jest.fn(async () => {
        throw new ApiRequestError({
          status: 409,
          code: 'StorageItemInUse',
          message: `The dataset ${DATASET.id} is in use by ft-2.`,
          hint: 'Wait until the training job has finished.'
        });
      })
    };
    const widget = await mount(api);
    await act(async () => {
      deleteButton(widget, 'dataset/' + DATASET.id).click();
    });
    expect(widget.node.textContent).toContain('is in use by ft-2.');
    expect(row(widget, 'dataset/' + DATASET.id)).toBeTruthy();
    expect(api.listLocalStorage).toHaveBeenCalledTimes(2);
    await act(async () => widget.dispose());
  });
});
