import React from 'react';

import { usePanelServices } from '../context';
import { FineTuneStepFrame, IWizardStepProps } from './FineTuneStepFrame';
import { HyperparameterForm } from './HyperparameterForm';

/** Step 4: the card's hyperparameters, each checked against its range or options. */
export function FineTuneHyperparametersStep(
  props: IWizardStepProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { state, view, dispatch } = props;
  return (
    <FineTuneStepFrame
      {...props}
      step="hyperparameters"
      title={trans.__('Hyperparameters')}
      next="instance"
    >
      <HyperparameterForm
        specs={view.specs}
        values={state.values}
        errors={view.validation.errors}
        local={props.local}
        onChange={(name, value) => dispatch({ type: 'setValue', name, value })}
        onReset={() => dispatch({ type: 'resetValues' })}
      />
      {!view.reportFresh && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__(
            'max_input_length changed since the preflight; the truncated share in the report may differ.'
          )}
        </p>
      )}
    </FineTuneStepFrame>
  );
}
