/**
 * Issue 12, defects 9 and 10 and accessible names: a local training job's stage without "SageMaker",
 * a status said once, a disabled Stop that is not painted as a warning, and buttons whose accessible name
 * contains their visible label.
 */
import React, { act } from 'react';

import { IApiClient } from '../api/client';
import { ITrainingJob } from '../api/types';
import { EndpointRow } from '../components/EndpointRow';
import { PlaygroundView } from '../components/PlaygroundView';
import { TrainingJobRow } from '../components/TrainingJobRow';
import { TrainingJobView } from '../components/TrainingJobView';
import {
  BASE_EP,
  byTestId,
  mount,
  nameOf,
  query,
  servicesWith
} from './panelHarness';
import { MODELS } from './fixtures';

function trainingJob(extra: Partial<ITrainingJob>): ITrainingJob {
  return {
    name: 'job-1',
    status: 'Completed',
    secondary_status: 'Completed',
    status_transitions: [],
    failure_reason: null,
    model_id: 'meta-textgenerationneuron-llama-2-7b',
    model_display_name: 'Llama-2-7b (Neuron)',
    instance_type: 'ml.trn1.32xlarge',
    hyperparameters: {},
    dataset_uri: 'file:///data/train.jsonl',
    created_at: '2024-01-17T09:30:00Z',
    age_s: 60,
    price_per_hour: null,
    cost_so_far: 0,
    max_runtime_s: null,
    loss: [],
    log_tail: [],
    output_model: null,
    can_deploy: true,
    backend: 'local',
    serving_label: '',
    ...extra
  };
}

describe('Defect 9: a local training job does not speak of SageMaker', () => {
  it('shows the stage without "SageMaker", and no second "Completed"', async () => {
    const jobs: Record<string, ITrainingJob> = {
      running: trainingJob({
        name: 'running',
        status: 'InProgress',
        secondary_status: 'Training'
      }),
      done: trainingJob({ name: 'done' })
    };
    const services = await servicesWith([], undefined, {
      listTrainingJobs: async () => ({ training_jobs: Object.values(jobs) }),
      getTrainingJob: async (name: string) => jobs[name]
    } as Partial<IApiClient>);
    const running = await mount(
      <TrainingJobView
        name="running"
        onBack={jest.fn()}
        onDeploy={jest.fn()}
        onCompare={jest.fn()}
      />,
      services
    );
    expect(
      byTestId(running, 'llama-neuron-training-secondary-status').textContent
    ).toBe('Stage: Training');
    expect(running.node.textContent).not.toContain('SageMaker status');
    await act(async () => running.dispose());
    const done = await mount(
      <TrainingJobView
        name="done"
        onBack={jest.fn()}
        onDeploy={jest.fn()}
        onCompare={jest.fn()}
      />,
      services
    );
    expect(query(done, 'llama-neuron-training-secondary-status')).toBeNull();
    await act(async () => done.dispose());
  });
});

describe('Defect 10: layout', () => {
  it('says "Completed" once in a job row, and shows a second status only when it says more', async () => {
    const services = await servicesWith([]);
    const widget = await mount(
      <ul>
        <TrainingJobRow
          job={trainingJob({})}
          now={Date.now()}
          onOpen={jest.fn()}
        />
        <TrainingJobRow
          job={trainingJob({
            name: 'job-2',
            status: 'InProgress',
            secondary_status: 'Downloading'
          })}
          now={Date.now()}
          onOpen={jest.fn()}
        />
      </ul>,
      services
    );
    const first = byTestId(widget, 'llama-neuron-training-job-row-job-1');
    expect(first.textContent?.match(/Completed/g)).toHaveLength(1);
    const second = byTestId(widget, 'llama-neuron-training-job-row-job-2');
    expect(second.textContent).toContain('Downloading');
    await act(async () => widget.dispose());
  });

  it('does not paint the disabled Stop button as a warning', async () => {
    const services = await servicesWith([BASE_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="base-ep"
        onSelect={jest.fn()}
      />,
      services
    );
    const stop = byTestId(widget, 'llama-neuron-playground-stop');
    expect((stop as HTMLButtonElement).disabled).toBe(true);
    expect(stop.classList.contains('jp-mod-warn')).toBe(false);
    await act(async () => widget.dispose());
  });
});

describe('Accessible names contain the visible label', () => {
  it('Open in playground, Try it and Open notebook on an endpoint row', async () => {
    const services = await servicesWith([BASE_EP]);
    const widget = await mount(
      <ul>
        <EndpointRow
          endpoint={BASE_EP}
          now={Date.now()}
          deleting={false}
          onDelete={jest.fn()}
          onOpenPlayground={jest.fn()}
        />
      </ul>,
      services
    );
    for (const id of [
      'llama-neuron-endpoint-playground',
      'llama-neuron-endpoint-try',
      'llama-neuron-endpoint-notebook',
      'llama-neuron-endpoint-delete'
    ]) {
      const button = byTestId(widget, id);
      const label = (button.textContent ?? '').trim();
      expect(label).not.toBe('');
      expect(nameOf(button)).toContain(label);
    }
    await act(async () => widget.dispose());
  });
});
