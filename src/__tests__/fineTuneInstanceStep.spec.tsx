import { act } from 'react';
import React from 'react';

import { ApiRequestError } from '../api/client';
import { FineTuneInstanceStep } from '../components/FineTuneInstanceStep';
import { IWizardState, wizardReducer } from '../models/fineTuneWizard';
import { card13b } from './fixtures';
import { mountStep, stateAfter, stepProps } from './wizardHarness';

function instanceStep(state: IWizardState, local = false) {
  const props = stepProps(state, local);
  const onLaunch = jest.fn();
  return {
    props,
    onLaunch,
    element: <FineTuneInstanceStep {...props} onLaunch={onLaunch} />
  };
}

describe('FineTuneInstanceStep', () => {
  it('estimates the cost from the instance price and its stated assumption', async () => {
    const card = card13b();
    card.training.duration_assumption = {
      minutes: 170,
      basis: 'SDK canary.',
      note: 'Not a measurement.'
    };
    const { element, props } = instanceStep(
      stateAfter({ type: 'cardLoaded', card })
    );
    const m = await mountStep(element);
    const cost = m.q('llama-neuron-training-cost').textContent!;
    expect(cost).toContain('Estimated cost: about');
    expect(cost).toContain('510 s per step × 20 steps');
    expect(cost).toContain('SDK canary. Not a measurement.');
    expect(cost).toContain('Prices: indicative, on-demand, 2024-12-01');
    // The earlier steps are not done: no launch yet.
    const launch = m.q<HTMLButtonElement>('llama-neuron-training-launch');
    expect(launch.disabled).toBe(true);
    expect(launch.textContent).toBe('Launch training');
    const select = m.q<HTMLSelectElement>('llama-neuron-training-instance');
    await act(async () => {
      select.value = 'ml.trn1.32xlarge';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setInstanceType',
      instanceType: 'ml.trn1.32xlarge'
    });
    await m.dispose();
  });

  it('says nothing is billed in local mode', async () => {
    const { element } = instanceStep(
      stateAfter({ type: 'cardLoaded', card: card13b() }),
      true
    );
    const m = await mountStep(element);
    expect(m.q('llama-neuron-training-cost').textContent).toContain(
      'no AWS charge'
    );
    expect(m.q('llama-neuron-training-launch').textContent).toBe(
      'Launch (local)'
    );
    await m.dispose();
  });

  it('shows the launch phase and a launch error that can be dismissed', async () => {
    const error = new ApiRequestError({
      status: 409,
      code: 'LocalTrainingBusy',
      message: 'One training at a time.'
    });
    const state = [
      { type: 'launching' as const, phase: 'dataset' as const },
      { type: 'launchFailed' as const, error }
    ].reduce(
      wizardReducer,
      stateAfter({ type: 'cardLoaded', card: card13b() })
    );
    const { element, props } = instanceStep(state);
    const m = await mountStep(element);
    expect(m.q('llama-neuron-training-launch').textContent).toBe(
      'Storing the dataset…'
    );
    expect(m.text()).toContain('One training at a time.');
    const dismiss = Array.from(m.widget.node.querySelectorAll('button')).find(
      button =>
        /dismiss/i.test(
          button.getAttribute('aria-label') ?? button.textContent ?? ''
        )
    );
    expect(dismiss).toBeDefined();
    await act(async () => dismiss!.click());
    expect(props.dispatch).toHaveBeenCalledWith({ type: 'dismissLaunchError' });
    await m.dispose();
  });
});
