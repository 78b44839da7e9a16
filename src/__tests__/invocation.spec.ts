import {
  defaultMaxNewTokens,
  endedImmediately,
  maxNewTokensLimit,
  validateMaxNewTokens
} from '../models/invocation';
import { RULES } from './fixtures';

const R = RULES.inference_parameters;

describe('try it rules', () => {
  const result = (text: string, finish: string | null = 'length') => ({
    generated_text: text,
    tokens_out: 3,
    latency_s: 0.2,
    finish_reason: finish
  });

  it('detects an answer that ended immediately', () => {
    expect(endedImmediately(result('', 'eos_immediately'))).toBe(true);
    expect(endedImmediately(result('  \n', 'eos'))).toBe(true);
    expect(endedImmediately(result(' Paris.', 'eos_immediately'))).toBe(true);
    expect(endedImmediately(result(' Paris.'))).toBe(false);
  });

  it('validates max_new_tokens against the context length', () => {
    expect(validateMaxNewTokens('64', 1024, R)).toBeNull();
    expect(validateMaxNewTokens('1024', 1024, R)).toBeNull();
    expect(validateMaxNewTokens('1025', 1024, R)).toBe('too-large');
    expect(validateMaxNewTokens('0', 1024, R)).toBe('too-small');
    expect(validateMaxNewTokens('1.5', 1024, R)).toBe('not-integer');
    expect(validateMaxNewTokens('', 1024, R)).toBe('not-integer');
    expect(validateMaxNewTokens('4096', null, R)).toBeNull();
    expect(validateMaxNewTokens('4097', null, R)).toBe('too-large');
    expect(maxNewTokensLimit(2048, R)).toBe(2048);
    // Unknown context: the server's (Llama 2's 4096).
    expect(maxNewTokensLimit(null, R)).toBe(R.context_length);
  });

  it('starts at the server default, empty until the rules are known', () => {
    expect(defaultMaxNewTokens(R)).toBe('64');
    expect(defaultMaxNewTokens(null)).toBe('');
  });
});
