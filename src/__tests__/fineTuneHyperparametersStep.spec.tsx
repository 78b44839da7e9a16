import React from 'react';

import { FineTuneHyperparametersStep } from '../components/FineTuneHyperparametersStep';
import { card13b } from './fixtures';
import { mountStep, stateAfter, stepProps, typeInto } from './wizardHarness';

describe('FineTuneHyperparametersStep', () => {
  it('shows the card’s hyperparameters and passes edits on', async () => {
    const card = card13b();
    const props = stepProps(stateAfter({ type: 'cardLoaded', card }));
    const m = await mountStep(<FineTuneHyperparametersStep {...props} />);
    const field = m.q<HTMLInputElement>(
      'llama-neuron-hyperparameter-max_steps'
    );
    expect(field.value).toBe('20');
    await typeInto(field, '30');
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setValue',
      name: 'max_steps',
      value: '30'
    });
    expect(
      (m.q('llama-neuron-finetune-next') as HTMLButtonElement).disabled
    ).toBe(false);
    await m.dispose();
  });

  it('names the range of an invalid value and blocks Next', async () => {
    const card = card13b();
    const props = stepProps(
      stateAfter(
        { type: 'cardLoaded', card },
        { type: 'setValue', name: 'max_steps', value: '1' }
      )
    );
    const m = await mountStep(<FineTuneHyperparametersStep {...props} />);
    expect(m.text()).toContain('max_steps must be');
    expect(
      (m.q('llama-neuron-finetune-next') as HTMLButtonElement).disabled
    ).toBe(true);
    await m.dispose();
  });
});
