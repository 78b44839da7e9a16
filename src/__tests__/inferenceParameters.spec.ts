import { nullTranslator } from '@jupyterlab/translation';

import {
  checkContextFit,
  defaultParameterValues,
  estimateTokens,
  IParameterValues,
  parameterWarnings,
  parseStopSequences,
  rangeText,
  validateParameters,
  valuesFromParameters
} from '../models/inferenceParameters';
import { RULES } from './fixtures';

const trans = nullTranslator.load('jupyter_llama_neuron');
// The server's rules, as GET /status sends them.
const R = RULES.inference_parameters;

function values(patch: Partial<IParameterValues> = {}): IParameterValues {
  return { ...defaultParameterValues(R), ...patch };
}

function parameterSpec(name: string) {
  return R.parameters.find(spec => spec.name === name)!;
}

describe('inference parameters', () => {
  it('lists every supported parameter once', () => {
    expect(R.parameters.map(spec => spec.name).sort()).toEqual(
      [
        'do_sample',
        'early_stopping',
        'max_length',
        'max_new_tokens',
        'no_repeat_ngram_size',
        'num_beams',
        'return_full_text',
        'stop',
        'temperature',
        'top_k',
        'top_p'
      ].sort()
    );
  });

  it('defaults send only max_new_tokens (greedy)', () => {
    const result = validateParameters(values(), 1024, R, trans);
    expect(result.errors).toEqual({});
    expect(result.parameters).toEqual({ max_new_tokens: 64 });
  });

  it('sends sampling values only when do_sample is on', () => {
    const off = validateParameters(
      values({ temperature: '0' }),
      1024,
      R,
      trans
    );
    expect(off.errors).toEqual({});
    expect(off.parameters).toEqual({ max_new_tokens: 64 });
    const on = validateParameters(
      values({ do_sample: true, top_k: '50' }),
      1024,
      R,
      trans
    );
    expect(on.parameters).toEqual({
      max_new_tokens: 64,
      do_sample: true,
      temperature: 0.6,
      top_p: 0.9,
      top_k: 50
    });
  });

  it('caps max_new_tokens and max_length at the context length', () => {
    const ok = validateParameters(
      values({ max_new_tokens: '1024', max_length: '1024' }),
      1024,
      R,
      trans
    );
    expect(ok.errors).toEqual({});
    const tooMany = validateParameters(
      values({ max_new_tokens: '1025', max_length: '2000' }),
      1024,
      R,
      trans
    );
    expect(tooMany.parameters).toBeNull();
    expect(tooMany.errors.max_new_tokens).toBe(
      'max_new_tokens must be a whole number from 1 to 1024.'
    );
    expect(tooMany.errors.max_length).toBe(
      'max_length must be a whole number from 1 to 1024, or empty.'
    );
    // Unknown context: Llama 2's 4096.
    expect(
      validateParameters(values({ max_new_tokens: '4096' }), null, R, trans)
        .errors
    ).toEqual({});
  });

  it('rejects empty, fractional and non-numeric max_new_tokens', () => {
    for (const bad of ['', '0', '1.5', 'ten', '-3', '1e3']) {
      expect(
        validateParameters(values({ max_new_tokens: bad }), 2048, R, trans)
          .errors.max_new_tokens
      ).toMatch(/from 1 to 2048/);
    }
  });

  it('names the range of temperature and top_p', () => {
    const result = validateParameters(
      values({ do_sample: true, temperature: '0', top_p: '1' }),
      1024,
      R,
      trans
    );
    expect(result.errors.temperature).toBe(
      'temperature must be a number greater than 0, or empty.'
    );
    expect(result.errors.top_p).toBe(
      'top_p must be a number between 0 and 1 (exclusive), or empty.'
    );
    expect(
      validateParameters(
        values({ do_sample: true, temperature: '1.2', top_p: '0.999' }),
        1024,
        R,
        trans
      ).errors
    ).toEqual({});
  });

  it('checks top_k, num_beams and no_repeat_ngram_size minimums', () => {
    const result = validateParameters(
      values({
        do_sample: true,
        top_k: '0',
        num_beams: '0',
        no_repeat_ngram_size: '1'
      }),
      1024,
      R,
      trans
    );
    expect(result.errors.top_k).toMatch(/≥ 1/);
    expect(result.errors.num_beams).toMatch(/≥ 1/);
    expect(result.errors.no_repeat_ngram_size).toBe(
      'no_repeat_ngram_size must be a whole number ≥ 2, or empty.'
    );
    const ok = validateParameters(
      values({
        num_beams: '4',
        no_repeat_ngram_size: '3',
        early_stopping: true
      }),
      1024,
      R,
      trans
    );
    expect(ok.parameters).toEqual({
      max_new_tokens: 64,
      num_beams: 4,
      no_repeat_ngram_size: 3,
      early_stopping: true
    });
  });

  it('accepts up to four stop sequences, one per line', () => {
    expect(parseStopSequences('\n###\r\nUser:\n\n')).toEqual(['###', 'User:']);
    const ok = validateParameters(
      values({ stop: 'a\nb\nc\nd', return_full_text: true }),
      1024,
      R,
      trans
    );
    expect(ok.parameters).toEqual({
      max_new_tokens: 64,
      stop: ['a', 'b', 'c', 'd'],
      return_full_text: true
    });
    const tooMany = validateParameters(
      values({ stop: 'a\nb\nc\nd\ne' }),
      1024,
      R,
      trans
    );
    expect(tooMany.errors.stop).toBe('stop: at most 4 sequences (got 5).');
  });

  it('describes ranges in words', () => {
    expect(rangeText(parameterSpec('do_sample'), 1024, R, trans)).toBe(
      'on or off'
    );
    expect(rangeText(parameterSpec('max_new_tokens'), 2048, R, trans)).toBe(
      'a whole number from 1 to 2048'
    );
  });

  it('round-trips parameters into form values (history re-use)', () => {
    const parameters = {
      max_new_tokens: 32,
      do_sample: true,
      temperature: 0.8,
      top_p: 0.5,
      stop: ['###']
    };
    const form = valuesFromParameters(parameters, R);
    expect(form.max_new_tokens).toBe('32');
    expect(form.do_sample).toBe(true);
    expect(form.top_k).toBe('');
    expect(validateParameters(form, 1024, R, trans).parameters).toEqual(
      parameters
    );
    const greedy = valuesFromParameters({ max_new_tokens: 10 }, R);
    expect(greedy.temperature).toBe('0.6');
    expect(validateParameters(greedy, 1024, R, trans).parameters).toEqual({
      max_new_tokens: 10
    });
  });
});

describe('server rules', () => {
  it('starts the form at the server defaults, and sends nothing without the rules', () => {
    expect(defaultParameterValues(R)).toMatchObject({
      max_new_tokens: '64',
      temperature: '0.6',
      top_p: '0.9',
      top_k: '',
      do_sample: false
    });
    expect(defaultParameterValues(null).max_new_tokens).toBe('');
    expect(
      validateParameters(values(), 1024, null, trans).parameters
    ).toBeNull();
  });

  it('follows a changed rule (the UI keeps no copy)', () => {
    const tighter = {
      ...R,
      max_stop_sequences: 2,
      parameters: R.parameters.map(spec =>
        spec.name === 'top_k' ? { ...spec, min: 5 } : spec
      )
    };
    const result = validateParameters(
      values({ do_sample: true, top_k: '3', stop: 'a\nb\nc' }),
      1024,
      tighter,
      trans
    );
    expect(result.errors.top_k).toBe(
      'top_k must be a whole number ≥ 5, or empty.'
    );
    expect(result.errors.stop).toBe('stop: at most 2 sequences (got 3).');
  });

  it('warns above the server’s warn_above, with its reason, only when sent', () => {
    const temperature = parameterSpec('temperature');
    expect(temperature.warn_above).not.toBeNull();
    const limit = temperature.warn_above!;
    const hot = values({ do_sample: true, temperature: '5' });
    // Valid (the server accepts it) but warned about.
    expect(validateParameters(hot, 1024, R, trans).errors).toEqual({});
    expect(parameterWarnings(hot, R, trans)).toEqual({
      temperature: `temperature above ${limit.value}: ${limit.reason}`
    });
    expect(
      parameterWarnings(
        values({ do_sample: true, temperature: String(limit.value) }),
        R,
        trans
      )
    ).toEqual({});
    // Not sent while do_sample is off: nothing to warn about.
    expect(parameterWarnings(values({ temperature: '5' }), R, trans)).toEqual(
      {}
    );
    expect(parameterWarnings(hot, null, trans)).toEqual({});
  });
});

describe('context fit', () => {
  it('estimates tokens generously', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('The capital of France is')).toBeGreaterThanOrEqual(
      6
    );
    expect(
      estimateTokens([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' }
      ])
    ).toBeGreaterThan(estimateTokens('Be brief. Hi'));
  });

  it('warns when prompt plus max_new_tokens exceed n_positions', () => {
    const prompt = 'x'.repeat(3500); // about 1001 tokens
    expect(checkContextFit(prompt, 64, 1024, R).fits).toBe(false);
    expect(checkContextFit(prompt, 64, 4096, R)).toMatchObject({
      fits: true,
      limit: 4096,
      maxNewTokens: 64
    });
    expect(checkContextFit('short', 64, null, R).limit).toBe(4096);
  });
});
