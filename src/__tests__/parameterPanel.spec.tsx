import React, { act } from 'react';

import { ParameterPanel } from '../components/ParameterPanel';
import {
  defaultParameterValues,
  IParameterValues
} from '../models/inferenceParameters';
import { RULES } from './fixtures';
import { mountStep, services } from './wizardHarness';

const R = RULES.inference_parameters;

function panel(values: IParameterValues, onChange = jest.fn()) {
  return (
    <ParameterPanel
      idPrefix="t"
      testIdPrefix="t"
      values={values}
      errors={{}}
      contextLength={1024}
      onChange={onChange}
    />
  );
}

describe('ParameterPanel', () => {
  it('shows the server’s parameters with their descriptions, defaults and ranges', async () => {
    const m = await mountStep(panel(defaultParameterValues(R)));
    for (const spec of R.parameters) {
      expect(m.q(`t-param-${spec.name}`)).not.toBeNull();
      expect(m.text()).toContain(spec.description);
    }
    expect(m.q<HTMLInputElement>('t-param-max_new_tokens').value).toBe('64');
    // A capped maximum is the endpoint's context length, not the server's 4096.
    expect(m.text()).toContain('a whole number from 1 to 1024');
    await m.dispose();
  });

  it('warns next to temperature above the server’s warn_above (issue 12), only while sampling', async () => {
    const limit = R.parameters.find(
      spec => spec.name === 'temperature'
    )!.warn_above!;
    const hot = { ...defaultParameterValues(R), temperature: '5' };
    const off = await mountStep(panel(hot));
    expect(off.q('t-param-temperature-warning')).toBeNull();
    await off.dispose();

    const onChange = jest.fn();
    const on = await mountStep(panel({ ...hot, do_sample: true }, onChange));
    const warning = on.q('t-param-temperature-warning');
    expect(warning.textContent).toBe(
      `temperature above ${limit.value}: ${limit.reason}`
    );
    // Part of the field's description, so screen readers read it with the field.
    const field = on.q<HTMLInputElement>('t-param-temperature');
    expect(
      document.getElementById(field.getAttribute('aria-describedby')!)!
        .textContent
    ).toContain(limit.reason);
    expect(on.q('t-param-top_p-warning')).toBeNull();
    await act(async () => on.q<HTMLInputElement>('t-param-do_sample').click());
    expect(onChange).toHaveBeenCalledWith(
      expect.objectContaining({ do_sample: false, temperature: '5' })
    );
    await on.dispose();
  });

  it('waits for the server’s rules', async () => {
    const m = await mountStep(panel(defaultParameterValues(null)), {
      ...services(),
      rules: null
    });
    expect(m.text()).toContain('Loading the parameter ranges');
    expect(m.q('t-param-max_new_tokens')).toBeNull();
    await m.dispose();
  });
});
