import { ApiRequestError } from '../api/client';
import { ITrainingJob } from '../api/types';
import {
  baseEndpoint,
  fineTunedEndpoints,
  isTrainingActive,
  ITrainingJobTransition,
  trainingJobAge,
  TrainingJobsModel
} from '../models/trainingJobsModel';
import { endpoint } from './fixtures';

function job(
  name: string,
  status: ITrainingJob['status'],
  extra: Partial<ITrainingJob> = {}
): ITrainingJob {
  return {
    name,
    status,
    secondary_status: status === 'InProgress' ? 'Training' : status,
    status_transitions: [],
    failure_reason: null,
    model_id: 'meta-textgenerationneuron-llama-2-7b',
    model_display_name: 'Llama-2-7b (Neuron)',
    instance_type: 'ml.trn1.32xlarge',
    hyperparameters: { max_steps: '20' },
    dataset_uri: 's3://bucket/datasets/1/train.jsonl',
    created_at: '2024-01-17T09:30:00Z',
    age_s: 60,
    price_per_hour: 28.497,
    cost_so_far: 0.5,
    max_runtime_s: null,
    loss: [],
    log_tail: [],
    output_model: null,
    can_deploy: false,
    backend: 'sagemaker',
    serving_label: 'Llama-2-7b on ml.trn1.32xlarge',
    ...extra
  };
}

function fakeSource(initial: ITrainingJob[]) {
  const current = new Map(initial.map(j => [j.name, j]));
  const source = {
    // The list carries no loss or log.
    listTrainingJobs: jest.fn(async () => ({
      training_jobs: [...current.values()].map(j => ({
        ...j,
        loss: [],
        log_tail: []
      }))
    })),
    getTrainingJob: jest.fn(async (name: string) => {
      const found = current.get(name);
      if (!found) {
        throw new ApiRequestError({
          status: 404,
          code: 'NotFound',
          message: `${name} not found`
        });
      }
      return found;
    })
  };
  return { source, set: (j: ITrainingJob) => current.set(j.name, j) };
}

function transitions(model: TrainingJobsModel): ITrainingJobTransition[] {
  const seen: ITrainingJobTransition[] = [];
  model.stateChanged.connect((_, t) => seen.push(t));
  return seen;
}

describe('TrainingJobsModel', () => {
  let model: TrainingJobsModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('loads the list: Loading then Ready', async () => {
    const { source } = fakeSource([job('a', 'Completed')]);
    model = new TrainingJobsModel({ source, promptStore: null });
    expect(model.state.kind).toBe('loading');
    await model.refresh();
    expect(model.state.kind).toBe('ready');
    expect(model.jobs.map(j => j.name)).toEqual(['a']);
  });

  it('shows Error when the first list fails, keeps the data after', async () => {
    const { source } = fakeSource([job('a', 'Completed')]);
    source.listTrainingJobs.mockRejectedValueOnce(new Error('down'));
    model = new TrainingJobsModel({ source, promptStore: null });
    await model.refresh();
    expect(model.state.kind).toBe('error');
    await model.refresh();
    source.listTrainingJobs.mockRejectedValueOnce(new Error('down again'));
    await model.refresh();
    expect(model.state.kind).toBe('ready');
    expect(model.lastError?.message).toBe('down again');
  });

  it('polls only InProgress and Stopping jobs', async () => {
    const { source } = fakeSource([
      job('running', 'InProgress'),
      job('stopping', 'Stopping'),
      job('done', 'Completed'),
      job('failed', 'Failed'),
      job('stopped', 'Stopped')
    ]);
    model = new TrainingJobsModel({ source, promptStore: null });
    await model.refresh();
    await model.pollActive();
    expect(source.getTrainingJob.mock.calls.map(c => c[0]).sort()).toEqual([
      'running',
      'stopping'
    ]);
    expect(isTrainingActive('InProgress')).toBe(true);
    expect(isTrainingActive('Completed')).toBe(false);
  });

  it('emits stateChanged when a job completes, fails or stops, and brings its loss', async () => {
    const { source, set } = fakeSource([
      job('a', 'InProgress'),
      job('b', 'InProgress'),
      job('c', 'Stopping')
    ]);
    model = new TrainingJobsModel({ source, promptStore: null });
    const seen = transitions(model);
    await model.refresh();
    await model.pollActive();
    expect(seen).toEqual([]);
    const loss = [
      { step: 1, loss: 1.4, timestamp: 't1' },
      { step: 2, loss: 1.1, timestamp: 't2' }
    ];
    set(
      job('a', 'Completed', { loss, can_deploy: true, output_model: 's3://o' })
    );
    set(job('b', 'Failed', { failure_reason: 'capacity' }));
    set(job('c', 'Stopped'));
    await model.pollActive();
    expect(seen.map(t => [t.job.name, t.previousStatus, t.job.status])).toEqual(
      [
        ['a', 'InProgress', 'Completed'],
        ['b', 'InProgress', 'Failed'],
        ['c', 'Stopping', 'Stopped']
      ]
    );
    expect(model.get('a')?.loss).toEqual(loss);
    expect(model.hasActive).toBe(false);
    expect(model.standby).toBe(true);
    // A later list (without loss) keeps the described series.
    await model.refresh();
    expect(model.get('a')?.loss).toEqual(loss);
    expect(seen).toHaveLength(3);
  });

  it('stands by when hidden only while a job runs', async () => {
    const { source } = fakeSource([job('a', 'InProgress')]);
    model = new TrainingJobsModel({ source, promptStore: null });
    await model.refresh();
    expect(model.standby).toBe('when-hidden');
  });

  it('removes jobs that are gone, rejects on other errors so the poll backs off', async () => {
    const { source } = fakeSource([job('a', 'InProgress')]);
    model = new TrainingJobsModel({ source, promptStore: null });
    await model.refresh();
    source.getTrainingJob.mockRejectedValueOnce(
      new ApiRequestError({ status: 503, code: 'Unavailable', message: 'x' })
    );
    await expect(model.pollActive()).rejects.toThrow('x');
    expect(model.lastError?.code).toBe('Unavailable');
    expect(model.jobs).toHaveLength(1);
    source.getTrainingJob.mockRejectedValueOnce(
      new ApiRequestError({ status: 404, code: 'NotFound', message: 'gone' })
    );
    await model.pollActive();
    expect(model.jobs).toEqual([]);
  });

  it('upsert adds a launched job, load describes one', async () => {
    const { source, set } = fakeSource([]);
    model = new TrainingJobsModel({ source, promptStore: null });
    await model.refresh();
    const started = job('new', 'InProgress');
    set(started);
    model.upsert(started);
    expect(model.jobs.map(j => j.name)).toEqual(['new']);
    set(job('new', 'InProgress', { log_tail: ['step 1'] }));
    const described = await model.load('new');
    expect(described.log_tail).toEqual(['step 1']);
    expect(model.get('new')?.log_tail).toEqual(['step 1']);
  });

  it('polls on a timer while a job runs, backs off after errors, stops when disposed', async () => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const { source, set } = fakeSource([job('a', 'InProgress')]);
    model = new TrainingJobsModel({
      source,
      pollInterval: 1000,
      maxInterval: 60_000,
      promptStore: null
    });
    await model.refresh();
    await jest.advanceTimersByTimeAsync(1100);
    expect(source.getTrainingJob).toHaveBeenCalledTimes(1);
    source.getTrainingJob.mockRejectedValue(
      new ApiRequestError({ status: 503, code: 'Unavailable', message: 'x' })
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(source.getTrainingJob).toHaveBeenCalledTimes(2);
    // Backing off (2 s, 4 s, 8 s) instead of every second.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(source.getTrainingJob).toHaveBeenCalledTimes(4);
    source.getTrainingJob.mockReset();
    source.getTrainingJob.mockImplementation(async () => job('a', 'Completed'));
    set(job('a', 'Completed'));
    await jest.advanceTimersByTimeAsync(20_000);
    expect(model.get('a')?.status).toBe('Completed');
    const calls = source.getTrainingJob.mock.calls.length;
    // Nothing runs any more: no further describes.
    await jest.advanceTimersByTimeAsync(20_000);
    expect(source.getTrainingJob).toHaveBeenCalledTimes(calls);
    model.dispose();
    expect(model.isDisposed).toBe(true);
  });

  it('remembers held-out prompts per job, in the store when there is one', () => {
    const stored = new Map<string, string>();
    const store = {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => void stored.set(key, value)
    };
    const { source } = fakeSource([]);
    model = new TrainingJobsModel({ source, promptStore: store });
    model.rememberHeldoutPrompts('job-1', ['What is X?', ' ', 'Why Y?']);
    expect(model.heldoutPrompts('job-1')).toEqual(['What is X?', 'Why Y?']);
    const other = new TrainingJobsModel({ source, promptStore: store });
    expect(other.heldoutPrompts('job-1')).toEqual(['What is X?', 'Why Y?']);
    expect(other.heldoutPrompts('unknown')).toEqual([]);
    other.dispose();
  });
});

describe('training job helpers', () => {
  it('finds the fine-tuned endpoints (InService first) and a running base endpoint', () => {
    const list = [
      endpoint('base', 'InService'),
      endpoint('ft-creating', 'Creating', { training_job: 'job-1' }),
      endpoint('ft-live', 'InService', { training_job: 'job-1' }),
      endpoint('ft-failed', 'Failed', { training_job: 'job-1' }),
      endpoint('other', 'InService', { training_job: 'job-2' })
    ];
    expect(fineTunedEndpoints(list, 'job-1').map(e => e.name)).toEqual([
      'ft-live',
      'ft-creating'
    ]);
    expect(
      baseEndpoint(list, 'meta-textgenerationneuron-llama-2-7b')?.name
    ).toBe('base');
    expect(baseEndpoint(list, 'meta-textgenerationneuron-llama-2-13b')).toBe(
      null
    );
  });

  it('computes the age from created_at', () => {
    const created = Date.parse('2024-01-17T09:30:00Z');
    expect(trainingJobAge(job('a', 'InProgress'), created + 90_000)).toBe(90);
    expect(
      trainingJobAge(job('a', 'InProgress', { created_at: 'x', age_s: 7 }), 0)
    ).toBe(7);
  });
});
