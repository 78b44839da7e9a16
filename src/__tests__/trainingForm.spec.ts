import { nullTranslator } from '@jupyterlab/translation';

import { IHyperparameter, ITrainingSpec } from '../api/types';
import {
  buildDatasetRequest,
  buildTrainingJobRequest,
  defaultHyperparameterValues,
  defaultTrainingInstance,
  describeAssumption,
  estimateTrainingCost,
  fineTuneChoices,
  formatDefault,
  localMeaning,
  isS3Uri,
  parseHyperparameter,
  rangeText,
  stableKey,
  trainingInstances,
  TrainingTokenBook,
  validateDatasetFields,
  validateHyperparameters
} from '../models/trainingForm';
import { MODELS, RULES } from './fixtures';

const trans = nullTranslator.load('jupyter_llama_neuron');

function hp(
  name: string,
  type: IHyperparameter['type'],
  value: IHyperparameter['default'],
  extra: Partial<IHyperparameter> = {}
): IHyperparameter {
  return {
    name,
    type,
    default: value,
    min: null,
    max: null,
    options: null,
    description: `${name} description`,
    ...extra
  };
}

/** The shapes of the catalog's Llama 2 Neuron training hyperparameters. */
const SPECS: IHyperparameter[] = [
  hp('max_input_length', 'int', 2048, { min: 128, max: 4096 }),
  hp('learning_rate', 'float', 6e-6, { min: 1e-8, max: 1 }),
  hp('max_steps', 'int', 20, { min: 2 }),
  hp('mixed_precision', 'text', 'True', { options: ['True', 'False'] }),
  hp('preprocessing_num_workers', 'text', 'None')
];

const TRAINING: ITrainingSpec = {
  supported: true,
  note: '',
  default_instance_type: 'ml.trn1.32xlarge',
  instance_types: [
    { instance_type: 'ml.trn1n.32xlarge', price_per_hour: null },
    { instance_type: 'ml.trn1.32xlarge', price_per_hour: 28.497 }
  ],
  hyperparameters: SPECS,
  duration_assumption: {
    minutes: 180,
    basis: 'A full default run took about 170 minutes.',
    note: 'An assumption, not a measurement.',
    local_seconds_per_step: 6,
    local_basis: 'Measured: about 6 s per step.'
  }
};

describe('fineTuneChoices', () => {
  it('offers fine-tunable, allowed models first and keeps the others with the reason', () => {
    const models = MODELS.map(model =>
      model.id.endsWith('-13b') ? { ...model, allowed: false } : model
    );
    const choices = fineTuneChoices(models);
    expect(choices[0].model.id).toBe('meta-textgenerationneuron-llama-2-7b');
    expect(choices[0].block).toBeNull();
    const blocked: Record<string, string | null> = {};
    for (const choice of choices) {
      blocked[choice.model.id] = choice.block;
    }
    expect(blocked['meta-textgenerationneuron-llama-2-13b']).toBe(
      'not-allowed'
    );
    expect(blocked['meta-textgenerationneuron-llama-2-7b-f']).toBe(
      'not-fine-tunable'
    );
    expect(blocked['meta-textgenerationneuron-llama-2-70b']).toBe(
      'not-fine-tunable'
    );
    expect(choices).toHaveLength(MODELS.length);
  });
});

describe('hyperparameters', () => {
  it('takes the defaults from the card, readable', () => {
    expect(defaultHyperparameterValues(SPECS)).toEqual({
      max_input_length: '2048',
      learning_rate: '6e-06',
      max_steps: '20',
      mixed_precision: 'True',
      preprocessing_num_workers: 'None'
    });
    expect(formatDefault(hp('x', 'float', 0.1))).toBe('0.1');
  });

  it('names the range, the minimum or the options', () => {
    expect(rangeText(SPECS[0], trans)).toBe('an integer between 128 and 4096');
    expect(rangeText(SPECS[2], trans)).toBe('an integer of at least 2');
    expect(rangeText(SPECS[1], trans)).toBe('a number between 1e-8 and 1');
    expect(rangeText(SPECS[3], trans)).toBe('one of: True, False');
    expect(rangeText(SPECS[4], trans)).toBe('any text');
  });

  it('parses ints, floats and options, and refuses anything else', () => {
    expect(parseHyperparameter(SPECS[0], ' 1024 ')).toBe(1024);
    expect(parseHyperparameter(SPECS[0], '1024.5')).toBeUndefined();
    expect(parseHyperparameter(SPECS[0], '64')).toBeUndefined();
    expect(parseHyperparameter(SPECS[0], '5000')).toBeUndefined();
    expect(parseHyperparameter(SPECS[1], '1e-5')).toBe(1e-5);
    expect(parseHyperparameter(SPECS[1], '0.0001')).toBe(0.0001);
    expect(parseHyperparameter(SPECS[1], '2')).toBeUndefined();
    expect(parseHyperparameter(SPECS[1], 'fast')).toBeUndefined();
    expect(parseHyperparameter(SPECS[1], '')).toBeUndefined();
    expect(parseHyperparameter(SPECS[2], '1000000')).toBe(1000000);
    expect(parseHyperparameter(SPECS[3], 'False')).toBe('False');
    expect(parseHyperparameter(SPECS[3], 'false')).toBeUndefined();
    expect(parseHyperparameter(SPECS[4], '4')).toBe('4');
    expect(parseHyperparameter(SPECS[4], ' ')).toBeUndefined();
  });

  it('gives one message per invalid field, naming what is allowed', () => {
    const result = validateHyperparameters(
      SPECS,
      {
        ...defaultHyperparameterValues(SPECS),
        max_input_length: '99999',
        mixed_precision: 'maybe'
      },
      trans
    );
    expect(result.hyperparameters).toBeNull();
    expect(result.errors).toEqual({
      max_input_length:
        'max_input_length must be an integer between 128 and 4096.',
      mixed_precision: 'mixed_precision must be one of: True, False.'
    });
  });

  it('builds the hyperparameters with numbers as numbers', () => {
    const result = validateHyperparameters(
      SPECS,
      { ...defaultHyperparameterValues(SPECS), max_steps: '40' },
      trans
    );
    expect(result.errors).toEqual({});
    expect(result.hyperparameters).toEqual({
      max_input_length: 2048,
      learning_rate: 6e-6,
      max_steps: 40,
      mixed_precision: 'True',
      preprocessing_num_workers: 'None'
    });
  });

  it('knows from the server which hyperparameters mean something locally', () => {
    const local = RULES.training.local_hyperparameters;
    expect(localMeaning('learning_rate', local)).toContain('LoRA');
    expect(localMeaning('max_steps', local)).toBeTruthy();
    expect(localMeaning('mixed_precision', local)).toBeNull();
    expect(localMeaning('tensor_parallel_degree', local)).toBeNull();
  });
});

describe('dataset step', () => {
  const fields = {
    format: 'instruction' as const,
    template: '',
    maxInputLength: '2048',
    holdout: '10'
  };
  const upload = {
    kind: 'upload' as const,
    uri: 'upload://0123/train.jsonl',
    filename: 'train.jsonl',
    bytes: 10
  };

  it('accepts S3 URIs the server accepts', () => {
    const rule = RULES.dataset_uri;
    expect(isS3Uri('s3://my-bucket/data/train.jsonl', rule)).toBe(true);
    expect(isS3Uri('s3://my-bucket', rule)).toBe(true);
    expect(isS3Uri('s3://My_Bucket/x', rule)).toBe(false);
    expect(isS3Uri('https://my-bucket.s3.amazonaws.com/x', rule)).toBe(false);
  });

  it('validates the source, max_input_length, held-out rows and the template', () => {
    expect(
      validateDatasetFields(fields, upload, SPECS[0], RULES.dataset_uri, trans)
    ).toEqual({});
    const errors = validateDatasetFields(
      {
        ...fields,
        maxInputLength: '100',
        holdout: '-1',
        template: '{response} then {instruction}'
      },
      null,
      SPECS[0],
      RULES.dataset_uri,
      trans
    );
    expect(Object.keys(errors).sort()).toEqual([
      'holdout',
      'maxInputLength',
      'source',
      'template'
    ]);
    expect(errors.maxInputLength).toContain('between 128 and 4096');
    expect(
      validateDatasetFields(
        fields,
        { kind: 's3', uri: 's3://BAD' },
        SPECS[0],
        RULES.dataset_uri,
        trans
      ).source
    ).toContain('s3://');
    expect(
      validateDatasetFields(
        { ...fields, template: 'Q: {instruction}' },
        upload,
        SPECS[0],
        RULES.dataset_uri,
        trans
      ).template
    ).toContain('{response}');
  });

  it('builds the preflight body; an empty template means the server default', () => {
    expect(buildDatasetRequest(upload, fields)).toEqual({
      dataset_format: 'instruction',
      uri: 'upload://0123/train.jsonl',
      max_input_length: 2048,
      holdout: 10
    });
    expect(
      buildDatasetRequest(
        { kind: 's3', uri: ' s3://b-1/x.jsonl ' },
        { ...fields, template: '{instruction} {response}' }
      )
    ).toEqual({
      dataset_format: 'instruction',
      uri: 's3://b-1/x.jsonl',
      max_input_length: 2048,
      holdout: 10,
      template: '{instruction} {response}'
    });
    expect(
      buildDatasetRequest(upload, {
        ...fields,
        format: 'domain',
        template: 'ignored {instruction} {response}'
      }).template
    ).toBeUndefined();
  });
});

describe('instances and cost', () => {
  it('lists the training instances, the default first, with their prices', () => {
    expect(
      trainingInstances(TRAINING).map(item => [
        item.instance_type,
        item.price_per_hour
      ])
    ).toEqual([
      ['ml.trn1.32xlarge', 28.497],
      ['ml.trn1n.32xlarge', null]
    ]);
    expect(defaultTrainingInstance(TRAINING)).toBe('ml.trn1.32xlarge');
  });

  it('estimates price/h × an assumed duration that scales with max_steps', () => {
    const estimate = estimateTrainingCost({
      pricePerHour: 28.497,
      maxSteps: 20,
      defaultMaxSteps: 20,
      assumption: TRAINING.duration_assumption ?? null,
      local: false
    });
    expect(estimate).not.toBeNull();
    if (!estimate) {
      return;
    }
    expect(estimate.secondsPerStep).toBe(540);
    expect(estimate.minutes).toBe(180);
    expect(estimate.cost).toBeCloseTo(85.491, 3);
    expect(describeAssumption(estimate, trans)).toBe(
      'assumption: 540 s per step × 20 steps ≈ 3 h 0 min'
    );
    const doubled = estimateTrainingCost({
      pricePerHour: 28.497,
      maxSteps: 40,
      defaultMaxSteps: 20,
      assumption: TRAINING.duration_assumption ?? null,
      local: false
    });
    expect(doubled!.cost).toBeCloseTo(2 * estimate.cost!, 6);
    expect(doubled!.basis).toContain('170 minutes');
  });

  it('says the cost is unknown without a price or an assumption, and zero in local mode', () => {
    expect(
      estimateTrainingCost({
        pricePerHour: null,
        maxSteps: 20,
        defaultMaxSteps: 20,
        assumption: RULES.training.duration_assumption,
        local: false
      })?.cost
    ).toBeNull();
    // No assumption (neither the card's nor the server's yet): no estimate at all.
    expect(
      estimateTrainingCost({
        pricePerHour: 28.497,
        maxSteps: 20,
        defaultMaxSteps: 20,
        assumption: null,
        local: false
      })
    ).toBeNull();
    const local = estimateTrainingCost({
      pricePerHour: 28.497,
      maxSteps: 20,
      defaultMaxSteps: 20,
      assumption: TRAINING.duration_assumption ?? null,
      local: true
    });
    expect(local!.cost).toBe(0);
    expect(local!.minutes).toBe(2);
    expect(describeAssumption(local!, trans)).toBe(
      'assumption: 6 s per step × 20 steps ≈ 2 min'
    );
  });
});

describe('launch request', () => {
  it('builds the POST /training-jobs body', () => {
    const request = buildTrainingJobRequest({
      modelId: 'meta-textgenerationneuron-llama-2-7b',
      datasetUri: 's3://b/datasets/1/train.jsonl',
      datasetFormat: 'instruction',
      template: '{instruction}\n{response}',
      hyperparameters: { max_steps: 20 },
      instanceType: 'ml.trn1.32xlarge',
      clientToken: 'tok',
      jobName: ' my-job '
    });
    expect(request).toEqual({
      model_id: 'meta-textgenerationneuron-llama-2-7b',
      dataset_uri: 's3://b/datasets/1/train.jsonl',
      dataset_format: 'instruction',
      template: '{instruction}\n{response}',
      hyperparameters: { max_steps: 20 },
      instance_type: 'ml.trn1.32xlarge',
      client_token: 'tok',
      job_name: 'my-job'
    });
    const domain = buildTrainingJobRequest({
      modelId: 'm',
      datasetUri: 'file:///x/train.jsonl',
      datasetFormat: 'domain',
      template: 'unused',
      hyperparameters: {},
      instanceType: '',
      clientToken: 't'
    });
    expect(domain.template).toBeUndefined();
    expect(domain.job_name).toBeUndefined();
    expect(domain.instance_type).toBeNull();
  });

  it('gives the same token to the same request and a new one when it changes', () => {
    let n = 0;
    const book = new TrainingTokenBook(() => `token-${++n}`);
    const base = {
      model_id: 'm',
      dataset_uri: 'u',
      dataset_format: 'domain' as const,
      hyperparameters: { a: 1, b: 2 }
    };
    expect(book.tokenFor(base)).toBe('token-1');
    expect(book.tokenFor({ ...base, hyperparameters: { b: 2, a: 1 } })).toBe(
      'token-1'
    );
    expect(book.tokenFor({ ...base, client_token: 'x' } as typeof base)).toBe(
      'token-1'
    );
    expect(book.tokenFor({ ...base, hyperparameters: { a: 2, b: 2 } })).toBe(
      'token-2'
    );
    expect(stableKey({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(
      '{"a":[1,{"c":3,"d":2}],"b":1}'
    );
  });
});
