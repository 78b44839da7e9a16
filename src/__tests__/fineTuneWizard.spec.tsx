import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import { IPreflightReport } from '../api/types';
import { FineTuneWizard } from '../components/FineTuneWizard';
import { IPanelServices, PanelContext } from '../context';
import { EndpointsModel } from '../models/endpointsModel';
import { ready } from '../models/loadable';
import { PanelSettings } from '../models/panelSettings';
import { card13b, endpoint, MODELS } from './fixtures';

(
  globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

const TEMPLATE = 'Q: {instruction}\n{context}\nA: {response}';

function report(extra: Partial<IPreflightReport> = {}): IPreflightReport {
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
    source: { kind: 'pasted', filename: 'train.jsonl' },
    ...extra
  };
}

async function settle(): Promise<void> {
  await act(async () => {
    await new Promise(resolve => setTimeout(resolve, 0));
  });
}

describe('FineTuneWizard', () => {
  it('offers fine-tunable models, uploads, prefills the template and runs the preflight', async () => {
    const card = card13b();
    const api: Partial<IApiClient> = {
      getModel: jest.fn(async () => card),
      preflightDataset: jest.fn(async body =>
        body.content === '' ? report({ ok: false, records: 0 }) : report()
      ),
      uploadDataset: jest.fn(async (file: File) => ({
        upload_id: '0'.repeat(32),
        uri: `upload://${'0'.repeat(32)}/${file.name}`,
        bytes: file.size,
        filename: file.name
      }))
    };
    const services: IPanelServices = {
      api: api as IApiClient,
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
    const widget = ReactWidget.create(
      <PanelContext.Provider value={services}>
        <FineTuneWizard
          models={ready(MODELS)}
          status={null}
          onLaunched={jest.fn()}
          onCancel={jest.fn()}
        />
      </PanelContext.Provider>
    );
    await act(async () => {
      Widget.attach(widget, document.body);
      MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
    });
    const q = <T extends HTMLElement>(id: string): T =>
      widget.node.querySelector<T>(`[data-testid="${id}"]`)!;

    const chat = q<HTMLInputElement>(
      'llama-neuron-finetune-model-meta-textgenerationneuron-llama-2-7b-f'
    );
    expect(chat.disabled).toBe(true);
    expect(
      document.getElementById(chat.getAttribute('aria-describedby')!)!
        .textContent
    ).toContain('Cannot be fine-tuned');
    const thirteen = q<HTMLInputElement>(
      'llama-neuron-finetune-model-meta-textgenerationneuron-llama-2-13b'
    );
    expect(thirteen.disabled).toBe(false);
    await act(async () => thirteen.click());
    await settle();
    expect(api.getModel).toHaveBeenCalledWith(card.id);
    await act(async () => q('llama-neuron-finetune-next').click());
    await settle();

    // The default template comes from a preflight of an empty file.
    const template = q<HTMLTextAreaElement>('llama-neuron-dataset-template');
    expect(template.value).toBe(TEMPLATE);
    expect(q<HTMLButtonElement>('llama-neuron-preflight-run').disabled).toBe(
      true
    );

    const input = q<HTMLInputElement>('llama-neuron-dataset-file');
    const file = new File(['{"instruction":"a","response":"b"}\n'], 'd.jsonl');
    Object.defineProperty(input, 'files', { value: [file] });
    await act(async () => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle();
    expect(api.uploadDataset).toHaveBeenCalled();
    const run = q<HTMLButtonElement>('llama-neuron-preflight-run');
    expect(run.disabled).toBe(false);
    await act(async () => run.click());
    await settle();
    const calls = (api.preflightDataset as jest.Mock).mock.calls;
    expect(calls[calls.length - 1][0]).toEqual({
      dataset_format: 'instruction',
      uri: `upload://${'0'.repeat(32)}/d.jsonl`,
      max_input_length: 2048,
      holdout: 0,
      template: TEMPLATE
    });
    expect(q('llama-neuron-preflight-report')).not.toBeNull();
    await act(async () => widget.dispose());
  });
});
