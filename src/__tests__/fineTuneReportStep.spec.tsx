import { act } from 'react';
import React from 'react';

import { FineTuneReportStep } from '../components/FineTuneReportStep';
import { deriveWizard, wizardReducer } from '../models/fineTuneWizard';
import { stableKey } from '../models/trainingForm';
import {
  mountStep,
  preflightReport,
  stateAfter,
  stepProps,
  trans,
  UPLOAD
} from './wizardHarness';
import { RULES } from './fixtures';

function ranReport(report = preflightReport()) {
  const uploaded = stateAfter({ type: 'uploadDone', result: UPLOAD });
  const request = deriveWizard(uploaded, {
    local: false,
    rules: RULES,
    trans
  }).datasetRequest!;
  return [
    { type: 'preflightStarted' as const, key: stableKey(request) },
    { type: 'preflightDone' as const, report, request }
  ].reduce(wizardReducer, uploaded);
}

describe('FineTuneReportStep', () => {
  it('shows a fresh report and lets the user go on', async () => {
    const props = stepProps(ranReport());
    const onRunPreflight = jest.fn();
    const m = await mountStep(
      <FineTuneReportStep {...props} onRunPreflight={onRunPreflight} />
    );
    expect(m.q('llama-neuron-preflight-report')).not.toBeNull();
    expect(m.text()).not.toContain('changed since this report');
    const next = m.q<HTMLButtonElement>('llama-neuron-finetune-next');
    expect(next.disabled).toBe(false);
    await act(async () => next.click());
    expect(props.onGoTo).toHaveBeenCalledWith('hyperparameters');
    await act(async () => m.q('llama-neuron-finetune-back').click());
    expect(props.onGoTo).toHaveBeenCalledWith('dataset');
    await m.dispose();
  });

  it('marks a report stale when the dataset settings changed, and reruns it', async () => {
    const state = wizardReducer(ranReport(), {
      type: 'setHoldout',
      holdout: '2'
    });
    const props = stepProps(state);
    const onRunPreflight = jest.fn();
    const m = await mountStep(
      <FineTuneReportStep {...props} onRunPreflight={onRunPreflight} />
    );
    expect(m.text()).toContain('changed since this report');
    expect(m.q<HTMLButtonElement>('llama-neuron-finetune-next').disabled).toBe(
      true
    );
    const rerun = Array.from(m.widget.node.querySelectorAll('button')).find(
      button => button.textContent === 'Run preflight'
    )!;
    await act(async () => rerun.click());
    expect(onRunPreflight).toHaveBeenCalled();
    await m.dispose();
  });

  it('says when the preflight is running', async () => {
    const props = stepProps(
      stateAfter(
        { type: 'uploadDone', result: UPLOAD },
        { type: 'preflightStarted', key: 'k' },
        { type: 'goTo', step: 'report' }
      )
    );
    const m = await mountStep(
      <FineTuneReportStep {...props} onRunPreflight={jest.fn()} />
    );
    expect(m.text()).toContain('Checking the dataset…');
    await m.dispose();
  });
});
