import React, { act } from 'react';

import { ApiRequestError, IApiClient } from '../api/client';
import { ICreateTrainingJobRequest, ITrainingJob } from '../api/types';
import { FineTuneWizard } from '../components/FineTuneWizard';
import { ready } from '../models/loadable';
import { card13b, MODELS } from './fixtures';
import {
  mountStep,
  preflightReport as report,
  services,
  settle,
  TEMPLATE
} from './wizardHarness';

const URI = `upload://${'0'.repeat(32)}/d.jsonl`;

function fakeApi(): Partial<IApiClient> & {
  getModel: jest.Mock;
  preflightDataset: jest.Mock;
  uploadDataset: jest.Mock;
  storeDataset: jest.Mock;
  createTrainingJob: jest.Mock;
  acceptEula: jest.Mock;
} {
  const card = card13b();
  return {
    getModel: jest.fn(async () => card),
    preflightDataset: jest.fn(async body =>
      body.content === '' ? report({ ok: false, records: 0 }) : report()
    ),
    uploadDataset: jest.fn(async (file: File) => ({
      upload_id: '0'.repeat(32),
      uri: `upload://${'0'.repeat(32)}/${file.name}`,
      bytes: file.size,
      filename: file.name
    })),
    storeDataset: jest.fn(async () => ({
      dataset_id: 'ds',
      uri: 's3://bucket/ds/train.jsonl',
      train_channel_uri: 's3://bucket/ds/',
      records: 3,
      heldout_records: 0,
      dataset_format: 'instruction' as const,
      bytes: 36,
      backend: 'sagemaker' as const,
      token_count_method: 'exact' as const,
      truncated_share: 0,
      heldout_prompts: []
    })),
    createTrainingJob: jest.fn(),
    acceptEula: jest.fn(async (modelId: string) => ({
      model_id: modelId,
      eula_url: card.eula_url,
      aup_url: card.aup_url,
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me'
    }))
  };
}

describe('FineTuneWizard', () => {
  it('walks the five steps: model, upload, preflight, hyperparameters, then licence and launch', async () => {
    const api = fakeApi();
    const onLaunched = jest.fn();
    const m = await mountStep(
      <FineTuneWizard
        models={ready(MODELS)}
        status={null}
        onLaunched={onLaunched}
        onCancel={jest.fn()}
      />,
      services(api)
    );
    const click = async (testId: string): Promise<void> => {
      await act(async () => m.q(testId).click());
      await settle();
    };

    await click(
      'llama-neuron-finetune-model-meta-textgenerationneuron-llama-2-13b'
    );
    expect(api.getModel).toHaveBeenCalledWith(card13b().id);
    await click('llama-neuron-finetune-next');
    // The heading of the opened step gets the focus.
    expect(document.activeElement?.id).toBe(
      'jp-LlamaNeuron-finetune-step-dataset'
    );

    // The default template comes from a preflight of an empty file.
    expect(
      m.q<HTMLTextAreaElement>('llama-neuron-dataset-template').value
    ).toBe(TEMPLATE);
    expect(m.q<HTMLButtonElement>('llama-neuron-preflight-run').disabled).toBe(
      true
    );

    const input = m.q<HTMLInputElement>('llama-neuron-dataset-file');
    const file = new File(['{"instruction":"a","response":"b"}\n'], 'd.jsonl');
    Object.defineProperty(input, 'files', { value: [file] });
    await act(async () => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle();
    expect(api.uploadDataset).toHaveBeenCalled();
    await click('llama-neuron-preflight-run');
    const calls = api.preflightDataset.mock.calls;
    expect(calls[calls.length - 1][0]).toEqual({
      dataset_format: 'instruction',
      uri: URI,
      max_input_length: 2048,
      holdout: 0,
      template: TEMPLATE
    });
    expect(m.q('llama-neuron-preflight-report')).not.toBeNull();

    await click('llama-neuron-finetune-next');
    expect(m.q('llama-neuron-hyperparameters')).not.toBeNull();
    await click('llama-neuron-finetune-next');

    // Launch asks for the licence first, then stores the dataset and starts the job.
    api.createTrainingJob.mockRejectedValueOnce(
      new ApiRequestError({
        status: 503,
        code: 'ServiceUnavailable',
        message: 'Try again.'
      })
    );
    await click('llama-neuron-training-launch');
    expect(api.storeDataset).not.toHaveBeenCalled();
    const checkbox = document.querySelector<HTMLInputElement>(
      '[data-testid="llama-neuron-eula-checkbox"]'
    )!;
    await act(async () => checkbox.click());
    await act(async () =>
      document
        .querySelector<HTMLButtonElement>(
          '[data-testid="llama-neuron-eula-accept"]'
        )!
        .click()
    );
    await settle();
    expect(api.acceptEula).toHaveBeenCalledWith(card13b().id, true);
    expect(api.storeDataset).toHaveBeenCalledTimes(1);
    expect(m.text()).toContain('Try again.');

    // A retry reuses the stored dataset and the same client token: one job.
    api.createTrainingJob.mockImplementationOnce(
      async (body: ICreateTrainingJobRequest) =>
        ({ name: 'job-1', ...body }) as unknown as ITrainingJob
    );
    await click('llama-neuron-training-launch');
    expect(api.storeDataset).toHaveBeenCalledTimes(1);
    const [first, second] = api.createTrainingJob.mock.calls.map(
      call => call[0] as ICreateTrainingJobRequest
    );
    expect(second).toEqual(first);
    expect(second).toMatchObject({
      model_id: card13b().id,
      dataset_uri: 's3://bucket/ds/train.jsonl',
      dataset_format: 'instruction',
      template: TEMPLATE,
      hyperparameters: { max_steps: 20 },
      instance_type: 'ml.trn1.32xlarge'
    });
    expect(second.client_token).toBeTruthy();
    expect(onLaunched).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'job-1' })
    );
    await m.dispose();
  });
});
