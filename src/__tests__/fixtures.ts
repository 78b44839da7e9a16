/**
 * Small fixtures in the shapes of docs/architecture.md (REST JSON).
 */
import {
  IEndpoint,
  IInvocationResult,
  IModelCard,
  IModelSummary,
  IPrecompiledConfig,
  IServerRules
} from '../api/types';
import {
  ITrainingJobsSource,
  TrainingJobsModel
} from '../models/trainingJobsModel';
import SERVER_RULES from './serverRules.json';

const PRICES: Record<string, number> = {
  'ml.inf2.xlarge': 0.99,
  'ml.inf2.8xlarge': 2.36,
  'ml.inf2.24xlarge': 7.79,
  'ml.inf2.48xlarge': 15.58
};

const NEURON_CORES: Record<string, number> = {
  'ml.inf2.xlarge': 2,
  'ml.inf2.8xlarge': 2,
  'ml.inf2.24xlarge': 12,
  'ml.inf2.48xlarge': 24
};

function summary(
  suffix: string,
  options: {
    size: number;
    chat: boolean;
    fineTunable: boolean;
    instance: string;
  }
): IModelSummary {
  const params = `${options.size}B`;
  return {
    id: `meta-textgenerationneuron-llama-2-${suffix}`,
    display_name: `Llama-2-${options.size}b${options.chat ? '-chat' : ''} (Neuron)`,
    params,
    size_b: options.size,
    chat: options.chat,
    fine_tunable: options.fineTunable,
    default_instance_type: options.instance,
    price_per_hour: PRICES[options.instance],
    description: options.chat
      ? `Llama 2 ${params} tuned for dialogue, compiled for AWS Inferentia2.`
      : `Llama 2 ${params} pretrained text model, compiled for AWS Inferentia2.`,
    keywords: ['llama', 'llama-2', 'meta', 'inferentia2', 'text-generation'],
    eula_accepted: false,
    allowed: true,
    gated: true
  };
}

export const MODELS: IModelSummary[] = [
  summary('7b', {
    size: 7,
    chat: false,
    fineTunable: true,
    instance: 'ml.inf2.xlarge'
  }),
  summary('7b-f', {
    size: 7,
    chat: true,
    fineTunable: false,
    instance: 'ml.inf2.xlarge'
  }),
  summary('13b', {
    size: 13,
    chat: false,
    fineTunable: true,
    instance: 'ml.inf2.8xlarge'
  }),
  summary('13b-f', {
    size: 13,
    chat: true,
    fineTunable: false,
    instance: 'ml.inf2.8xlarge'
  }),
  summary('70b', {
    size: 70,
    chat: false,
    fineTunable: false,
    instance: 'ml.inf2.48xlarge'
  }),
  summary('70b-f', {
    size: 70,
    chat: true,
    fineTunable: false,
    instance: 'ml.inf2.48xlarge'
  })
];

function config(
  instance: string,
  n: number,
  batch: number,
  tp: number,
  isDefault = false
): IPrecompiledConfig {
  return {
    instance_type: instance,
    n_positions: n,
    max_rolling_batch_size: batch,
    tensor_parallel_degree: tp,
    dtype: 'fp16',
    price_per_hour: PRICES[instance],
    is_default: isDefault,
    confirmed: true,
    allowed: true
  };
}

/** The 13B card with the precompiled table of the JumpStart Neuron notebook. */
export function card13b(): IModelCard {
  return {
    ...MODELS[2],
    version: '1.*',
    license: 'Llama 2 Community License',
    eula_url: 'https://ai.meta.com/llama/license/',
    aup_url: 'https://ai.meta.com/llama/use-policy/',
    eula: null,
    precompiled_configs: [
      config('ml.inf2.8xlarge', 1024, 1, 2, true),
      config('ml.inf2.24xlarge', 2048, 4, 4),
      config('ml.inf2.24xlarge', 4096, 4, 8),
      config('ml.inf2.24xlarge', 4096, 4, 12),
      config('ml.inf2.48xlarge', 2048, 4, 4),
      config('ml.inf2.48xlarge', 4096, 4, 8),
      config('ml.inf2.48xlarge', 4096, 4, 12),
      config('ml.inf2.48xlarge', 4096, 4, 24)
    ],
    config_note:
      'Precompiled configurations only; others would compile at start.',
    instance_types: [
      'ml.inf2.8xlarge',
      'ml.inf2.24xlarge',
      'ml.inf2.48xlarge'
    ].map(instance => ({
      instance_type: instance,
      price_per_hour: PRICES[instance],
      neuron_cores: NEURON_CORES[instance],
      vcpus: null,
      memory_gib: null,
      accelerator_memory_gib: null
    })),
    gpu_comparison: [
      { instance_type: 'ml.g5.12xlarge', price_per_hour: 7.09, note: 'A10G x4' }
    ],
    training: {
      supported: true,
      note: '',
      default_instance_type: 'ml.trn1.32xlarge',
      instance_types: [
        { instance_type: 'ml.trn1.32xlarge', price_per_hour: 28.497 }
      ],
      hyperparameters: [
        {
          name: 'max_steps',
          type: 'int',
          default: 20,
          min: 2,
          max: null,
          options: null,
          description: 'Training steps'
        }
      ]
    },
    example_prompts: [
      {
        title: 'Completion',
        inputs: 'I believe the meaning of life is',
        parameters: { max_new_tokens: 64 }
      }
    ],
    price_label: 'indicative, on-demand, 2024-12-01',
    local_stand_in: 'SmolLM2-135M-Instruct (local stand-in)'
  };
}

export function endpoint(
  name: string,
  status: IEndpoint['status'],
  extra: Partial<IEndpoint> = {}
): IEndpoint {
  return {
    name,
    status,
    failure_reason: null,
    model_id: 'meta-textgenerationneuron-llama-2-7b',
    model_display_name: 'Llama-2-7b (Neuron)',
    config: {
      instance_type: 'ml.inf2.xlarge',
      n_positions: 1024,
      max_rolling_batch_size: 1,
      tensor_parallel_degree: 2,
      dtype: 'fp16'
    },
    instance_type: 'ml.inf2.xlarge',
    created_at: '2024-01-17T09:30:00Z',
    age_s: 60,
    backend: 'sagemaker',
    serving_label: 'Llama-2-7b on ml.inf2.xlarge',
    training_job: null,
    price_per_hour: 0.99,
    cost_so_far: 0.02,
    last_invoked_at: null,
    typical_minutes: 12,
    idle_minutes: null,
    idle_capped: false,
    last_activity_at: null,
    auto_delete_idle_minutes: 60,
    auto_delete_source: 'server',
    keep_until: null,
    deletes_at: null,
    warning: false,
    actions: [],
    ...extra
  };
}

/** An invocation answer as the server sends it (every field present). */
export function invocationResult(
  text: string,
  extra: Partial<IInvocationResult> = {}
): IInvocationResult {
  return {
    generated_text: text,
    tokens_out: 4,
    latency_s: 0.4,
    ttft_s: 0.05,
    finish_reason: 'length',
    streamed: false,
    sagemaker_payload: { inputs: 'p', parameters: {} },
    ...extra
  };
}

/** The panel's training jobs model over a (partial) fake API; held-out prompts stay in memory. */
export function trainingJobsFor(api: object): TrainingJobsModel {
  return new TrainingJobsModel({
    source: api as ITrainingJobsSource,
    promptStore: null
  });
}

/** The server's rules exactly as `GET /status` sends them (checked against the server by pytest). */
export const RULES = SERVER_RULES as IServerRules;
