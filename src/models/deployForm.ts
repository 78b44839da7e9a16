/**
 * Rules of the Custom deploy form (pure functions, no UI).
 *
 * Only precompiled configurations can be chosen: the instance type comes first, then one of the tuples
 * (context length, rolling batch size, tensor-parallel degree, dtype) compiled for that instance. Nothing
 * else can be selected, so no deployment triggers a Neuron compilation.
 */
import {
  BackendName,
  ICreateEndpointRequest,
  IDeploymentConfig,
  IModelCard,
  IPrecompiledConfig,
  IResourceNameRule
} from '../api/types';

/** Model-id prefix dropped when suggesting endpoint names. */
const MODEL_ID_PREFIX = 'meta-textgenerationneuron-';

/** The four container variables that select a precompiled Neuron graph. */
export type OptionEnvName =
  | 'OPTION_N_POSITIONS'
  | 'OPTION_MAX_ROLLING_BATCH_SIZE'
  | 'OPTION_TENSOR_PARALLEL_DEGREE'
  | 'OPTION_DTYPE';

export type OptionEnv = ReadonlyArray<readonly [OptionEnvName, string]>;

/** A stable key of a configuration: "ml.inf2.24xlarge/4096/4/8/fp16". */
export function configKey(config: IDeploymentConfig): string {
  return [
    config.instance_type,
    config.n_positions,
    config.max_rolling_batch_size,
    config.tensor_parallel_degree,
    config.dtype
  ].join('/');
}

/** Only the five fields the server accepts as `config` (drops price and default marker). */
export function toDeploymentConfig(
  config: IDeploymentConfig
): IDeploymentConfig {
  return {
    instance_type: config.instance_type,
    n_positions: config.n_positions,
    max_rolling_batch_size: config.max_rolling_batch_size,
    tensor_parallel_degree: config.tensor_parallel_degree,
    dtype: config.dtype
  };
}

/**
 * Instance types that have at least one precompiled configuration, in catalog order.
 *
 * @param allowed - when given (and non-empty), only these instance types are offered
 */
export function availableInstanceTypes(
  card: Pick<IModelCard, 'precompiled_configs'>,
  allowed?: readonly string[]
): string[] {
  const restrict = allowed && allowed.length > 0 ? new Set(allowed) : null;
  const result: string[] = [];
  for (const config of card.precompiled_configs) {
    if (restrict && !restrict.has(config.instance_type)) {
      continue;
    }
    if (!result.includes(config.instance_type)) {
      result.push(config.instance_type);
    }
  }
  return result;
}

/** The precompiled tuples valid for one instance type (empty for an instance not in the table). */
export function configsForInstance(
  card: Pick<IModelCard, 'precompiled_configs'>,
  instanceType: string
): IPrecompiledConfig[] {
  return card.precompiled_configs.filter(
    config => config.instance_type === instanceType
  );
}

/** The tuple pre-selected when an instance is chosen: the model's default if on it, else the first. */
export function defaultConfigForInstance(
  card: Pick<IModelCard, 'precompiled_configs'>,
  instanceType: string
): IPrecompiledConfig | null {
  const configs = configsForInstance(card, instanceType);
  return configs.find(config => config.is_default) ?? configs[0] ?? null;
}

/**
 * The initial selection of the form: the model's default configuration, else the default instance's
 * first tuple, else the first offered tuple; null when nothing can be deployed.
 */
export function defaultSelection(
  card: Pick<IModelCard, 'precompiled_configs' | 'default_instance_type'>,
  allowed?: readonly string[]
): IPrecompiledConfig | null {
  const instances = availableInstanceTypes(card, allowed);
  if (instances.length === 0) {
    return null;
  }
  const offered = card.precompiled_configs.filter(config =>
    instances.includes(config.instance_type)
  );
  const explicit = offered.find(config => config.is_default);
  if (explicit) {
    return explicit;
  }
  if (instances.includes(card.default_instance_type)) {
    return defaultConfigForInstance(card, card.default_instance_type);
  }
  return offered[0] ?? null;
}

/** Whether a configuration is one of the card's precompiled tuples. */
/** Indicative on-demand price per hour of an instance, from the card (null when unknown). */
export function priceForInstance(
  card: Pick<IModelCard, 'instance_types' | 'precompiled_configs'>,
  instanceType: string
): number | null {
  const info = card.instance_types.find(
    item => item.instance_type === instanceType
  );
  if (info && typeof info.price_per_hour === 'number') {
    return info.price_per_hour;
  }
  const config = card.precompiled_configs.find(
    item =>
      item.instance_type === instanceType &&
      typeof item.price_per_hour === 'number'
  );
  return config ? config.price_per_hour : null;
}

/** The OPTION_* container variables of a configuration, in a fixed order. */
export function optionEnv(config: IDeploymentConfig): OptionEnv {
  return [
    ['OPTION_N_POSITIONS', String(config.n_positions)],
    ['OPTION_MAX_ROLLING_BATCH_SIZE', String(config.max_rolling_batch_size)],
    ['OPTION_TENSOR_PARALLEL_DEGREE', String(config.tensor_parallel_degree)],
    ['OPTION_DTYPE', config.dtype]
  ];
}

export type EndpointNameProblem = 'empty' | 'too-long' | 'invalid';

/**
 * Check an endpoint (or training job) name against the server's rule (`rules.resource_name`); null when
 * valid, or when the rule is not known yet (the server checks again).
 */
export function validateEndpointName(
  name: string,
  rule: IResourceNameRule | null
): EndpointNameProblem | null {
  if (name.length === 0) {
    return 'empty';
  }
  if (!rule) {
    return null;
  }
  if (name.length > rule.max_length) {
    return 'too-long';
  }
  if (!new RegExp(rule.pattern).test(name)) {
    return 'invalid';
  }
  return null;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * An endpoint name derived from the model id and a UTC time, "llama-2-13b-f-20240117-093000": letters,
 * digits and inner hyphens, cut to `maxLength` (the server's `rules.resource_name.max_length`).
 */
export function suggestEndpointName(
  modelId: string,
  maxLength: number = Infinity,
  now: Date = new Date()
): string {
  const stamp =
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}` +
    `-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  let base = modelId.startsWith(MODEL_ID_PREFIX)
    ? modelId.slice(MODEL_ID_PREFIX.length)
    : modelId;
  base = base.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const room = maxLength - stamp.length - 1;
  base = base.slice(0, room).replace(/-+$/g, '');
  return base ? `${base}-${stamp}` : `llama-${stamp}`;
}

/** What will be created, as shown before the Deploy button. */
export interface IDeployPreview {
  backend: BackendName;
  modelId: string;
  modelVersion: string;
  /** null when the server chooses the name. */
  endpointName: string | null;
  /** The endpoint configuration is named after the endpoint (null when the server chooses). */
  endpointConfigName: string | null;
  instanceType: string;
  instanceCount: number;
  env: OptionEnv;
  pricePerHour: number | null;
  /** Local mode: the model that actually answers. */
  servedBy: string | null;
}

export function buildPreview(options: {
  card: Pick<
    IModelCard,
    | 'id'
    | 'version'
    | 'instance_types'
    | 'precompiled_configs'
    | 'local_stand_in'
  >;
  config: IDeploymentConfig;
  endpointName: string;
  backend: BackendName;
}): IDeployPreview {
  const { card, config, backend } = options;
  const name = options.endpointName.trim();
  const endpointName = name.length > 0 ? name : null;
  return {
    backend,
    modelId: card.id,
    modelVersion: card.version,
    endpointName,
    endpointConfigName: endpointName,
    instanceType: config.instance_type,
    instanceCount: 1,
    env: optionEnv(config),
    pricePerHour:
      priceForInstance(card, config.instance_type) ??
      (config as Partial<IPrecompiledConfig>).price_per_hour ??
      null,
    servedBy: backend === 'local' ? card.local_stand_in || null : null
  };
}

/**
 * The `POST /endpoints` body for a Custom deploy (config restricted to the five accepted fields), with
 * `training_job` when deploying a fine-tuned model.
 */
export function buildCreateRequest(options: {
  modelId: string;
  config: IDeploymentConfig | null;
  endpointName: string;
  clientToken: string;
  /** Deploy the model this training job produced (fine-tuned). */
  trainingJob?: string | null;
}): ICreateEndpointRequest {
  const request: ICreateEndpointRequest = { model_id: options.modelId };
  if (options.trainingJob) {
    request.training_job = options.trainingJob;
  }
  if (options.config) {
    request.config = toDeploymentConfig(options.config);
  }
  const name = options.endpointName.trim();
  if (name) {
    request.endpoint_name = name;
  }
  request.client_token = options.clientToken;
  return request;
}

/** A random idempotency token (UUID v4 shaped); works outside secure contexts too. */
export function newClientToken(): string {
  const cryptoApi: Crypto | undefined = globalThis.crypto;
  if (cryptoApi && typeof cryptoApi.randomUUID === 'function') {
    return cryptoApi.randomUUID();
  }
  const bytes = new Uint8Array(16);
  if (cryptoApi && typeof cryptoApi.getRandomValues === 'function') {
    cryptoApi.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = Math.floor(Math.random() * 256);
    }
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, byte => byte.toString(16).padStart(2, '0'));
  return [
    hex.slice(0, 4).join(''),
    hex.slice(4, 6).join(''),
    hex.slice(6, 8).join(''),
    hex.slice(8, 10).join(''),
    hex.slice(10, 16).join('')
  ].join('-');
}

/**
 * Client tokens for one opening of a deploy form: the same request content always gets the same token,
 * so repeated clicks create one endpoint; a changed request gets a fresh token.
 */
export class ClientTokenBook {
  constructor(private readonly _generate: () => string = newClientToken) {}

  /** The token for a request (the `client_token` field is ignored when computing the key). */
  tokenFor(request: Omit<ICreateEndpointRequest, 'client_token'>): string {
    const key = JSON.stringify({
      model_id: request.model_id,
      config: request.config ? configKey(request.config) : null,
      endpoint_name: request.endpoint_name ?? null,
      training_job: request.training_job ?? null
    });
    let token = this._tokens.get(key);
    if (!token) {
      token = this._generate();
      this._tokens.set(key, token);
    }
    return token;
  }

  private _tokens = new Map<string, string>();
}

/** "$0.99", "$1,234.50", "< $0.01"; "—" when unknown. Indicative USD. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) {
    return '—';
  }
  if (usd > 0 && usd < 0.01) {
    return '< $0.01';
  }
  return (
    '$' +
    usd.toLocaleString('en-US', {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2
    })
  );
}

/** Cost of keeping an instance for one day, or null when the price is unknown. */
export function costPerDay(
  pricePerHour: number | null | undefined
): number | null {
  return typeof pricePerHour === 'number' ? pricePerHour * 24 : null;
}

/** How many times more expensive `other` is per hour than `base` (null when either is unknown or zero). */
export function priceRatio(
  other: number | null | undefined,
  base: number | null | undefined
): number | null {
  if (typeof other !== 'number' || typeof base !== 'number' || base <= 0) {
    return null;
  }
  return other / base;
}
