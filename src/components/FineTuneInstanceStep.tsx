import { Button, HTMLSelect, InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import { usePanelServices } from '../context';
import { formatCost } from '../models/deployForm';
import { describeAssumption } from '../models/trainingForm';
import { ErrorBanner } from './ErrorBanner';
import {
  FineTuneStepFrame,
  IWizardStepProps,
  WIZARD_ID
} from './FineTuneStepFrame';

export interface IFineTuneInstanceStepProps extends IWizardStepProps {
  onLaunch: () => void;
}

/** Step 5: the training instance, the estimated cost with its assumption, the job name, and Launch. */
export function FineTuneInstanceStep(
  props: IFineTuneInstanceStepProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { state, view, dispatch, local } = props;
  const { estimate, instance, card } = view;
  return (
    <FineTuneStepFrame
      {...props}
      step="instance"
      title={trans.__('Training instance and estimated cost')}
    >
      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${WIZARD_ID}-instance`}>
          {local
            ? trans.__('Training instance (on SageMaker)')
            : trans.__('Training instance')}
        </label>
        <HTMLSelect
          id={`${WIZARD_ID}-instance`}
          data-testid="llama-neuron-training-instance"
          value={state.instanceType}
          onChange={event =>
            dispatch({
              type: 'setInstanceType',
              instanceType: event.currentTarget.value
            })
          }
          options={view.instances.map(item => ({
            value: item.instance_type,
            label:
              item.price_per_hour === null
                ? trans.__('%1 — price unknown', item.instance_type)
                : trans.__(
                    '%1 — %2/h',
                    item.instance_type,
                    formatCost(item.price_per_hour)
                  )
          }))}
        />
        {instance?.price_note && (
          <span className="jp-LlamaNeuron-muted">{instance.price_note}</span>
        )}
      </div>
      <div
        className="jp-LlamaNeuron-price"
        data-testid="llama-neuron-training-cost"
      >
        {!estimate ? (
          <p>
            {trans.__(
              'Estimated cost: unknown until the server says what a run takes.'
            )}
          </p>
        ) : local ? (
          <p>
            {trans.__(
              'Local mode: LoRA on this machine, no AWS charge (%1).',
              describeAssumption(estimate, trans)
            )}
          </p>
        ) : (
          <p>
            {estimate.cost === null
              ? trans.__(
                  'Estimated cost: unknown (no price for %1; %2).',
                  state.instanceType,
                  describeAssumption(estimate, trans)
                )
              : trans.__(
                  'Estimated cost: about %1 at %2/h (%3).',
                  formatCost(estimate.cost),
                  formatCost(estimate.pricePerHour),
                  describeAssumption(estimate, trans)
                )}
          </p>
        )}
        {estimate &&
          (local ? estimate.basis : estimate.basis || estimate.note) && (
            <p className="jp-LlamaNeuron-muted">
              {local
                ? estimate.basis
                : `${estimate.basis} ${estimate.note}`.trim()}
            </p>
          )}
        {!local && card && (
          <p className="jp-LlamaNeuron-muted">
            {trans.__('Prices: %1', card.price_label)}
          </p>
        )}
      </div>
      <div className="jp-LlamaNeuron-field">
        <label htmlFor={`${WIZARD_ID}-job-name`}>
          {trans.__('Job name (optional)')}
        </label>
        <InputGroup
          id={`${WIZARD_ID}-job-name`}
          data-testid="llama-neuron-training-job-name"
          value={state.jobName}
          maxLength={props.rules?.resource_name.max_length}
          spellCheck={false}
          placeholder={trans.__('chosen by the server')}
          onChange={event =>
            dispatch({ type: 'setJobName', jobName: event.currentTarget.value })
          }
        />
      </div>
      {state.launchError && (
        <ErrorBanner
          error={state.launchError}
          title={trans.__('The training job was not started')}
          onDismiss={() => dispatch({ type: 'dismissLaunchError' })}
        />
      )}
      <div className="jp-LlamaNeuron-actions">
        <Button
          className="jp-mod-styled jp-mod-accept"
          disabled={
            state.launching !== null || !view.complete || !card?.allowed
          }
          onClick={props.onLaunch}
          data-testid="llama-neuron-training-launch"
        >
          {state.launching === 'dataset'
            ? trans.__('Storing the dataset…')
            : state.launching === 'job'
              ? trans.__('Starting the job…')
              : local
                ? trans.__('Launch (local)')
                : trans.__('Launch training')}
        </Button>
      </div>
    </FineTuneStepFrame>
  );
}
