import React from 'react';

import { FineTuneHyperparametersStep } from '../components/FineTuneHyperparametersStep';
import { card13b, RULES } from './fixtures';
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

  it('marks, in local mode, what the server says has no local meaning', async () => {
    const card = card13b();
    card.training.hyperparameters = [
      ...card.training.hyperparameters,
      {
        name: 'mixed_precision',
        type: 'text',
        default: 'True',
        min: null,
        max: null,
        options: ['True', 'False'],
        description: 'bf16'
      }
    ];
    const props = stepProps(stateAfter({ type: 'cardLoaded', card }), true);
    const m = await mountStep(<FineTuneHyperparametersStep {...props} />);
    const local = RULES.training.local_hyperparameters;
    const row = (name: string) =>
      m.widget.node.querySelector(`[data-name="${name}"]`)!;
    expect(row('mixed_precision').textContent).toContain(local.other_meaning);
    expect(row('max_steps').textContent).not.toContain(local.other_meaning);
    expect(m.text()).toContain(local.method);
    await m.dispose();
  });
});
