import { act } from 'react';
import React from 'react';

import { FineTuneModelStep } from '../components/FineTuneModelStep';
import { LOADING, ready } from '../models/loadable';
import { card13b, MODELS } from './fixtures';
import { mountStep, stateAfter, stepProps } from './wizardHarness';

describe('FineTuneModelStep', () => {
  it('offers the fine-tunable models and says why the others are not', async () => {
    const props = stepProps(stateAfter());
    const m = await mountStep(
      <FineTuneModelStep {...props} models={ready(MODELS)} />
    );
    const chat = m.q<HTMLInputElement>(
      'llama-neuron-finetune-model-meta-textgenerationneuron-llama-2-7b-f'
    );
    expect(chat.disabled).toBe(true);
    expect(
      document.getElementById(chat.getAttribute('aria-describedby')!)!
        .textContent
    ).toContain('Cannot be fine-tuned');
    const thirteen = m.q<HTMLInputElement>(
      'llama-neuron-finetune-model-meta-textgenerationneuron-llama-2-13b'
    );
    expect(thirteen.disabled).toBe(false);
    expect(m.q<HTMLButtonElement>('llama-neuron-finetune-next').disabled).toBe(
      true
    );
    await act(async () => thirteen.click());
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'chooseModel',
      modelId: 'meta-textgenerationneuron-llama-2-13b'
    });
    await m.dispose();
  });

  it('opens the dataset step once the card of a supported model is loaded', async () => {
    const card = card13b();
    card.training.note = 'Trainium only.';
    const props = stepProps(
      stateAfter(
        { type: 'chooseModel', modelId: card.id },
        { type: 'cardLoaded', card }
      )
    );
    const m = await mountStep(
      <FineTuneModelStep {...props} models={ready(MODELS)} />
    );
    expect(m.text()).toContain('Trainium only.');
    const next = m.q<HTMLButtonElement>('llama-neuron-finetune-next');
    expect(next.disabled).toBe(false);
    await act(async () => next.click());
    expect(props.onGoTo).toHaveBeenCalledWith('dataset');
    await act(async () => m.q('llama-neuron-finetune-cancel').click());
    expect(props.onCancel).toHaveBeenCalled();
    await m.dispose();
  });

  it('shows an unsupported card’s note as a warning and stays on the step', async () => {
    const card = card13b();
    card.training = { ...card.training, supported: false, note: 'Not here.' };
    const props = stepProps(stateAfter({ type: 'cardLoaded', card }));
    const m = await mountStep(
      <FineTuneModelStep {...props} models={LOADING} />
    );
    expect(m.text()).toContain('Loading the catalog');
    expect(
      m.widget.node.querySelector('.jp-LlamaNeuron-warning')?.textContent
    ).toBe('Not here.');
    expect(m.q<HTMLButtonElement>('llama-neuron-finetune-next').disabled).toBe(
      true
    );
    await m.dispose();
  });
});
