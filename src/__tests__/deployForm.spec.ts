import {
  availableInstanceTypes,
  buildCreateRequest,
  buildPreview,
  ClientTokenBook,
  configsForInstance,
  costPerDay,
  defaultConfigForInstance,
  defaultSelection,
  formatCost,
  newClientToken,
  optionEnv,
  priceForInstance,
  priceRatio,
  suggestEndpointName,
  validateEndpointName
} from '../models/deployForm';
import { card13b, MODELS, RULES } from './fixtures';

const NAMES = RULES.resource_name;

const tuples = (instance: string): number[][] =>
  configsForInstance(card13b(), instance).map(c => [
    c.n_positions,
    c.max_rolling_batch_size,
    c.tensor_parallel_degree
  ]);

describe('instance types and precompiled tuples', () => {
  it('offers the instances of the precompiled table, in order', () => {
    expect(availableInstanceTypes(card13b())).toEqual([
      'ml.inf2.8xlarge',
      'ml.inf2.24xlarge',
      'ml.inf2.48xlarge'
    ]);
  });

  it('can be restricted to allowed instance types', () => {
    expect(
      availableInstanceTypes(card13b(), ['ml.inf2.24xlarge', 'ml.inf2.xlarge'])
    ).toEqual(['ml.inf2.24xlarge']);
    expect(availableInstanceTypes(card13b(), [])).toHaveLength(3);
  });

  it('13B on ml.inf2.24xlarge offers exactly 2048/4/4, 4096/4/8, 4096/4/12', () => {
    expect(tuples('ml.inf2.24xlarge')).toEqual([
      [2048, 4, 4],
      [4096, 4, 8],
      [4096, 4, 12]
    ]);
    expect(
      configsForInstance(card13b(), 'ml.inf2.24xlarge').every(
        c => c.dtype === 'fp16'
      )
    ).toBe(true);
  });

  it('an instance not in the table offers nothing', () => {
    expect(tuples('ml.inf2.xlarge')).toEqual([]);
    expect(tuples('ml.g5.12xlarge')).toEqual([]);
    expect(defaultConfigForInstance(card13b(), 'ml.inf2.xlarge')).toBeNull();
  });

  it('selects the default configuration first', () => {
    const selection = defaultSelection(card13b());
    expect(selection).toMatchObject({
      instance_type: 'ml.inf2.8xlarge',
      n_positions: 1024,
      max_rolling_batch_size: 1,
      tensor_parallel_degree: 2
    });
  });

  it('falls back to the default instance, then the first offered tuple', () => {
    const card = card13b();
    card.precompiled_configs = card.precompiled_configs.map(c => ({
      ...c,
      is_default: false
    }));
    card.default_instance_type = 'ml.inf2.24xlarge';
    expect(defaultSelection(card)).toMatchObject({
      instance_type: 'ml.inf2.24xlarge',
      n_positions: 2048
    });
    expect(defaultSelection(card, ['ml.inf2.48xlarge'])).toMatchObject({
      instance_type: 'ml.inf2.48xlarge',
      n_positions: 2048
    });
    expect(defaultSelection({ ...card, precompiled_configs: [] })).toBeNull();
  });

  it('pre-selects the first tuple when an instance is chosen', () => {
    expect(
      defaultConfigForInstance(card13b(), 'ml.inf2.48xlarge')
    ).toMatchObject({
      n_positions: 2048,
      tensor_parallel_degree: 4
    });
  });
});

describe('price, preview and request', () => {
  it('reads prices from the card', () => {
    expect(priceForInstance(card13b(), 'ml.inf2.24xlarge')).toBe(7.79);
    expect(priceForInstance(card13b(), 'ml.inf2.xlarge')).toBeNull();
    expect(costPerDay(2.36)).toBeCloseTo(56.64);
    expect(costPerDay(null)).toBeNull();
    expect(priceRatio(7.09, 2.36)).toBeCloseTo(3.004, 2);
    expect(priceRatio(7.09, null)).toBeNull();
  });

  it('previews the resources and the four OPTION_* values', () => {
    const card = card13b();
    const config = configsForInstance(card, 'ml.inf2.24xlarge')[1];
    const preview = buildPreview({
      card,
      config,
      endpointName: ' my-llama ',
      backend: 'sagemaker'
    });
    expect(preview).toMatchObject({
      endpointName: 'my-llama',
      endpointConfigName: 'my-llama',
      modelId: card.id,
      modelVersion: '1.*',
      instanceType: 'ml.inf2.24xlarge',
      instanceCount: 1,
      pricePerHour: 7.79,
      servedBy: null
    });
    expect(preview.env).toEqual([
      ['OPTION_N_POSITIONS', '4096'],
      ['OPTION_MAX_ROLLING_BATCH_SIZE', '4'],
      ['OPTION_TENSOR_PARALLEL_DEGREE', '8'],
      ['OPTION_DTYPE', 'fp16']
    ]);
    const local = buildPreview({
      card,
      config,
      endpointName: '',
      backend: 'local'
    });
    expect(local.endpointName).toBeNull();
    expect(local.servedBy).toBe('SmolLM2-135M-Instruct (local stand-in)');
    expect(optionEnv(config)).toEqual(preview.env);
  });

  it('sends only the five config fields, and no empty name', () => {
    const config = configsForInstance(card13b(), 'ml.inf2.24xlarge')[0];
    expect(
      buildCreateRequest({
        modelId: 'm',
        config,
        endpointName: '  ',
        clientToken: 't'
      })
    ).toEqual({
      model_id: 'm',
      config: {
        instance_type: 'ml.inf2.24xlarge',
        n_positions: 2048,
        max_rolling_batch_size: 4,
        tensor_parallel_degree: 4,
        dtype: 'fp16'
      },
      client_token: 't'
    });
    expect(
      buildCreateRequest({
        modelId: 'm',
        config: null,
        endpointName: 'x',
        clientToken: 't'
      })
    ).toEqual({ model_id: 'm', endpoint_name: 'x', client_token: 't' });
  });
});

describe('endpoint names', () => {
  it.each(['a', 'llama-2-13b', 'a--b', 'A1', 'x'.repeat(63)])(
    'accepts %s',
    name => {
      expect(validateEndpointName(name, NAMES)).toBeNull();
    }
  );

  it('rejects empty, too long and malformed names', () => {
    expect(validateEndpointName('', NAMES)).toBe('empty');
    expect(validateEndpointName('x'.repeat(64), NAMES)).toBe('too-long');
    for (const bad of ['-abc', 'abc-', 'a_b', 'a.b', 'a b', 'llamä', '--']) {
      expect(validateEndpointName(bad, NAMES)).toBe('invalid');
    }
  });

  it('follows the server rule, and leaves names to the server until it is known', () => {
    const shorter = { ...NAMES, max_length: 5 };
    expect(validateEndpointName('abcdef', shorter)).toBe('too-long');
    expect(validateEndpointName('a_b', null)).toBeNull();
    expect(validateEndpointName('', null)).toBe('empty');
  });

  it('suggests valid names for every model', () => {
    const now = new Date(Date.UTC(2024, 0, 17, 9, 30, 5));
    expect(
      suggestEndpointName(
        'meta-textgenerationneuron-llama-2-13b-f',
        NAMES.max_length,
        now
      )
    ).toBe('llama-2-13b-f-20240117-093005');
    for (const model of MODELS) {
      expect(
        validateEndpointName(
          suggestEndpointName(model.id, NAMES.max_length, now),
          NAMES
        )
      ).toBeNull();
    }
    const long = suggestEndpointName(
      'x'.repeat(100) + '_weird.id',
      NAMES.max_length,
      now
    );
    expect(validateEndpointName(long, NAMES)).toBeNull();
    expect(
      validateEndpointName(
        suggestEndpointName('___', NAMES.max_length, now),
        NAMES
      )
    ).toBeNull();
  });
});

describe('client tokens', () => {
  it('gives the same token to the same request (double click) and a new one otherwise', () => {
    let n = 0;
    const book = new ClientTokenBook(() => `token-${++n}`);
    const config = configsForInstance(card13b(), 'ml.inf2.24xlarge')[0];
    const request = { model_id: 'm', config, endpoint_name: 'a' };
    expect(book.tokenFor(request)).toBe('token-1');
    expect(book.tokenFor({ ...request })).toBe('token-1');
    expect(book.tokenFor({ ...request, endpoint_name: 'b' })).toBe('token-2');
    const other = configsForInstance(card13b(), 'ml.inf2.24xlarge')[1];
    expect(book.tokenFor({ ...request, config: other })).toBe('token-3');
    expect(new ClientTokenBook(() => 'fresh').tokenFor(request)).toBe('fresh');
  });

  it('generates UUID-shaped tokens, also without crypto.randomUUID', () => {
    const uuid =
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newClientToken()).toMatch(uuid);
    const original = globalThis.crypto;
    try {
      Object.defineProperty(globalThis, 'crypto', {
        value: { getRandomValues: original.getRandomValues.bind(original) },
        configurable: true
      });
      const a = newClientToken();
      const b = newClientToken();
      expect(a).toMatch(uuid);
      expect(a).not.toBe(b);
    } finally {
      Object.defineProperty(globalThis, 'crypto', {
        value: original,
        configurable: true
      });
    }
  });
});

describe('cost formatting', () => {
  it('formats indicative USD', () => {
    expect(formatCost(0.99)).toBe('$0.99');
    expect(formatCost(1234.5)).toBe('$1,234.50');
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(0.004)).toBe('< $0.01');
    expect(formatCost(null)).toBe('—');
    expect(formatCost(undefined)).toBe('—');
    expect(formatCost(Number.NaN)).toBe('—');
  });
});
