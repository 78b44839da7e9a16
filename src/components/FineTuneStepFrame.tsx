import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { IServerRules } from '../api/types';
import { usePanelServices } from '../context';
import {
  IWizardState,
  IWizardView,
  WIZARD_STEPS,
  WizardAction,
  WizardStep
} from '../models/fineTuneWizard';

/** The id prefix of the wizard's elements (labels, headings). */
export const WIZARD_ID = 'jp-LlamaNeuron-finetune';

/** What every step component gets from the wizard. */
export interface IWizardStepProps {
  state: IWizardState;
  view: IWizardView;
  dispatch: (action: WizardAction) => void;
  local: boolean;
  /** The server's rules (`GET /status`); null until it answers. */
  rules: IServerRules | null;
  /** Open a step and move the focus to its heading. */
  onGoTo: (step: WizardStep) => void;
  onCancel: () => void;
  /** Where each step's heading registers itself, for the focus. */
  headings: Partial<Record<WizardStep, HTMLHeadingElement | null>>;
}

export interface IFineTuneStepFrameProps extends Pick<
  IWizardStepProps,
  'view' | 'onGoTo' | 'onCancel' | 'headings'
> {
  step: WizardStep;
  title: string;
  /** The step Next opens (none: no Next button). */
  next?: WizardStep | null;
  children?: React.ReactNode;
}

/** One step: its heading (focused when the step opens), its content, then Back / Next / Cancel. */
export function FineTuneStepFrame(props: IFineTuneStepFrameProps): JSX.Element {
  const { trans } = usePanelServices();
  const index = WIZARD_STEPS.indexOf(props.step);
  const headingId = `${WIZARD_ID}-step-${props.step}`;
  return (
    <div role="group" aria-labelledby={headingId}>
      <h4
        ref={element => {
          props.headings[props.step] = element;
        }}
        tabIndex={-1}
        id={headingId}
      >
        {props.title}
      </h4>
      {props.children}
      <div className="jp-LlamaNeuron-actions">
        {index > 0 && (
          <Button
            className="jp-mod-styled"
            onClick={() => props.onGoTo(WIZARD_STEPS[index - 1])}
            data-testid="llama-neuron-finetune-back"
          >
            {trans.__('Back')}
          </Button>
        )}
        {props.next && (
          <Button
            className="jp-mod-styled jp-mod-accept"
            disabled={!props.view.stepDone[props.step]}
            onClick={() => props.next && props.onGoTo(props.next)}
            data-testid="llama-neuron-finetune-next"
          >
            {trans.__('Next')}
          </Button>
        )}
        <span className="jp-LlamaNeuron-actions-spacer" />
        <Button
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onCancel}
          data-testid="llama-neuron-finetune-cancel"
        >
          {trans.__('Cancel')}
        </Button>
      </div>
    </div>
  );
}
