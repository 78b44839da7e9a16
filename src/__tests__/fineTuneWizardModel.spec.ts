import { ApiRequestError } from '../api/client';
import {
  deriveWizard,
  initialWizardState,
  stepReachable,
  wizardReducer
} from '../models/fineTuneWizard';
import { stableKey } from '../models/trainingForm';
import { card13b, RULES } from './fixtures';
import {
  preflightReport,
  stateAfter,
  TEMPLATE,
  trans,
  UPLOAD
} from './wizardHarness';

const view = (state = initialWizardState(), local = false) =>
  deriveWizard(state, { local, rules: RULES, trans });

describe('fine-tune wizard state', () => {
  it('starts at the model step with nothing done', () => {
    const state = initialWizardState('m');
    expect(state.step).toBe('model');
    expect(state.modelId).toBe('m');
    const derived = view(state);
    expect(derived.stepDone).toEqual({
      model: false,
      dataset: false,
      report: false,
      hyperparameters: true,
      instance: false
    });
    expect(derived.complete).toBe(false);
    expect(stepReachable(derived, 'model')).toBe(true);
    expect(stepReachable(derived, 'dataset')).toBe(false);
  });

  it('takes the hyperparameter defaults and the default instance from the card', () => {
    const card = card13b();
    const state = stateAfter({ type: 'cardLoaded', card });
    expect(state.values).toEqual({ max_steps: '20' });
    expect(state.instanceType).toBe('ml.trn1.32xlarge');
    const derived = view(state);
    expect(derived.stepDone.model).toBe(true);
    expect(derived.instance?.price_per_hour).toBe(28.497);
    // A card without its own assumption takes the server's: 180 min for the default 20 steps, at 28.497 $/h.
    expect(derived.estimate!.cost).toBeCloseTo(28.497 * 3);
  });

  it('edits and resets hyperparameters against the card', () => {
    const card = card13b();
    const edited = stateAfter(
      { type: 'cardLoaded', card },
      { type: 'setValue', name: 'max_steps', value: '1' }
    );
    const invalid = view(edited);
    expect(invalid.validation.errors.max_steps).toContain('max_steps');
    expect(invalid.stepDone.hyperparameters).toBe(false);
    const reset = wizardReducer(edited, { type: 'resetValues' });
    expect(reset.values).toEqual({ max_steps: '20' });
    const longer = wizardReducer(reset, {
      type: 'setValue',
      name: 'max_steps',
      value: '40'
    });
    expect(view(longer).estimate!.minutes).toBeCloseTo(360);
  });

  it('builds the dataset request from an upload or an S3 URI', () => {
    const uploaded = stateAfter(
      { type: 'uploadProgress', filename: 'd.jsonl', loaded: 9, total: 36 },
      { type: 'uploadDone', result: UPLOAD }
    );
    expect(view(uploaded).datasetRequest).toEqual({
      dataset_format: 'instruction',
      uri: UPLOAD.uri,
      max_input_length: 2048,
      holdout: 0
    });
    const s3 = stateAfter(
      { type: 'setSourceKind', kind: 's3' },
      { type: 'setS3Uri', uri: 's3://Bad Bucket/x' }
    );
    expect(view(s3).datasetErrors.source).toContain('S3 URI');
    expect(view(s3).datasetRequest).toBeNull();
    const good = wizardReducer(s3, {
      type: 'setS3Uri',
      uri: ' s3://bucket/train.jsonl '
    });
    expect(view(good).datasetRequest?.uri).toBe('s3://bucket/train.jsonl');
  });

  it('reports upload progress in percent', () => {
    const state = stateAfter({
      type: 'uploadProgress',
      filename: 'd.jsonl',
      loaded: 9,
      total: 36
    });
    expect(view(state).uploadPercent).toBe(25);
  });

  it('keeps a report fresh only for the request it was run for', () => {
    const uploaded = stateAfter({ type: 'uploadDone', result: UPLOAD });
    const request = view(uploaded).datasetRequest!;
    const ran = [
      { type: 'preflightStarted' as const, key: stableKey(request) },
      {
        type: 'preflightDone' as const,
        report: preflightReport(),
        request
      }
    ].reduce(wizardReducer, uploaded);
    // The server's default template became explicit, and the report stays fresh with it.
    expect(ran.step).toBe('report');
    expect(ran.template).toBe(TEMPLATE);
    expect(ran.defaultTemplate).toBe(TEMPLATE);
    expect(view(ran).reportFresh).toBe(true);
    expect(view(ran).stepDone.report).toBe(true);
    const changed = wizardReducer(ran, {
      type: 'setValue',
      name: 'max_input_length',
      value: '1024'
    });
    expect(view(changed).reportFresh).toBe(false);
    expect(view(changed).stepDone.report).toBe(false);
  });

  it('does not take a failed report as done', () => {
    const uploaded = stateAfter({ type: 'uploadDone', result: UPLOAD });
    const request = view(uploaded).datasetRequest!;
    const ran = [
      { type: 'preflightStarted' as const, key: stableKey(request) },
      {
        type: 'preflightDone' as const,
        report: preflightReport({ ok: false, error_count: 1 }),
        request
      }
    ].reduce(wizardReducer, uploaded);
    expect(view(ran).stepDone.report).toBe(false);
  });

  it('fills the default template once, without overwriting the user’s', () => {
    const typed = stateAfter(
      { type: 'setTemplate', template: 'mine {instruction} {response}' },
      { type: 'defaultTemplateKnown', template: TEMPLATE }
    );
    expect(typed.template).toBe('mine {instruction} {response}');
    expect(typed.defaultTemplate).toBe(TEMPLATE);
    expect(
      stateAfter({ type: 'defaultTemplateKnown', template: TEMPLATE }).template
    ).toBe(TEMPLATE);
  });

  it('takes the held-out suggestion back to the dataset step', () => {
    const state = stateAfter(
      { type: 'goTo', step: 'report' },
      { type: 'useHoldout', count: 7 }
    );
    expect(state).toMatchObject({
      holdout: '7',
      report: null,
      step: 'dataset'
    });
  });

  it('asks for the licence when the server says it is missing, and records it', () => {
    const card = card13b();
    const error = new ApiRequestError({
      status: 403,
      code: 'EulaNotAccepted',
      message: 'Accept the licence first.'
    });
    const refused = stateAfter(
      { type: 'cardLoaded', card },
      { type: 'launching', phase: 'job' },
      { type: 'launchFailed', error },
      { type: 'launchEnded' }
    );
    expect(refused).toMatchObject({
      eulaOpen: true,
      launchError: error,
      launching: null
    });
    const record = {
      model_id: card.id,
      eula_url: card.eula_url,
      aup_url: card.aup_url,
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me'
    };
    const accepted = wizardReducer(refused, { type: 'eulaAccepted', record });
    expect(accepted.eulaOpen).toBe(false);
    expect(accepted.launchError).toBeNull();
    expect(view(accepted).card?.eula).toEqual(record);
  });

  it('keeps the licence closed on other launch errors', () => {
    const error = new ApiRequestError({
      status: 409,
      code: 'LocalTrainingBusy',
      message: 'One training at a time.'
    });
    expect(stateAfter({ type: 'launchFailed', error }).eulaOpen).toBe(false);
  });

  it('estimates local runs from the stand-in’s seconds per step, unbilled', () => {
    const card = card13b();
    card.training.duration_assumption = {
      minutes: 170,
      basis: 'b',
      note: 'n',
      local_seconds_per_step: 3,
      local_basis: 'measured'
    };
    const state = stateAfter({ type: 'cardLoaded', card });
    const local = view(state, true).estimate!;
    expect(local.cost).toBe(0);
    expect(local.minutes).toBe(1);
    expect(local.basis).toBe('measured');
  });
});
