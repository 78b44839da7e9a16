import React from 'react';

import { usePanelServices } from '../context';
import { ErrorBanner } from './ErrorBanner';
import { FineTuneStepFrame, IWizardStepProps } from './FineTuneStepFrame';
import { PreflightReport } from './PreflightReport';

export interface IFineTuneReportStepProps extends IWizardStepProps {
  onRunPreflight: () => void;
}

/** Step 3: the preflight report (stale when the dataset settings changed since it ran). */
export function FineTuneReportStep(
  props: IFineTuneReportStepProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { state, view } = props;
  return (
    <FineTuneStepFrame
      {...props}
      step="report"
      title={trans.__('Preflight report')}
      next="hyperparameters"
    >
      {state.report?.kind === 'loading' && (
        <p className="jp-LlamaNeuron-muted" role="status">
          {trans.__('Checking the dataset…')}
        </p>
      )}
      {state.report?.kind === 'error' && (
        <ErrorBanner
          error={state.report.error}
          title={trans.__('The preflight did not run')}
          onRetry={props.onRunPreflight}
        />
      )}
      {view.report && (
        <>
          {!view.reportFresh && (
            <p className="jp-LlamaNeuron-warning">
              {trans.__(
                'The dataset settings changed since this report: run the preflight again.'
              )}{' '}
              <button
                type="button"
                className="jp-LlamaNeuron-link-button"
                disabled={!view.datasetRequest}
                onClick={props.onRunPreflight}
              >
                {trans.__('Run preflight')}
              </button>
            </p>
          )}
          <PreflightReport
            report={view.report}
            onUseHoldoutSuggestion={count => {
              props.dispatch({ type: 'useHoldout', count });
              props.onGoTo('dataset');
            }}
          />
        </>
      )}
    </FineTuneStepFrame>
  );
}
