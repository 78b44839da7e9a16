import React from 'react';

import { IModelSummary } from '../api/types';
import { usePanelServices } from '../context';
import { Loadable } from '../models/loadable';
import { fineTuneChoices } from '../models/trainingForm';
import { ErrorBanner } from './ErrorBanner';
import {
  FineTuneStepFrame,
  IWizardStepProps,
  WIZARD_ID
} from './FineTuneStepFrame';

export interface IFineTuneModelStepProps extends IWizardStepProps {
  /** The catalog (loading or failed shows as such). */
  models: Loadable<readonly IModelSummary[]>;
}

/** Step 1: a fine-tunable model (the others are listed, disabled, with the reason). */
export function FineTuneModelStep(props: IFineTuneModelStepProps): JSX.Element {
  const { trans } = usePanelServices();
  const { state, view, models } = props;
  const choices = models.kind === 'ready' ? fineTuneChoices(models.value) : [];
  return (
    <FineTuneStepFrame
      {...props}
      step="model"
      title={trans.__('Choose the model to fine-tune')}
      next="dataset"
    >
      {models.kind === 'loading' && (
        <p className="jp-LlamaNeuron-muted" role="status">
          {trans.__('Loading the catalog…')}
        </p>
      )}
      {models.kind === 'error' && (
        <ErrorBanner
          error={models.error}
          title={trans.__('Could not load the catalog')}
        />
      )}
      {choices.length > 0 && (
        <fieldset className="jp-LlamaNeuron-fieldset">
          <legend>{trans.__('Model')}</legend>
          {choices.map(({ model, block }) => {
            const radioId = `${WIZARD_ID}-model-${model.id}`;
            return (
              <div
                key={model.id}
                className={`jp-LlamaNeuron-choice${block ? ' jp-mod-disabled' : ''}`}
              >
                <input
                  type="radio"
                  id={radioId}
                  name={`${WIZARD_ID}-model`}
                  value={model.id}
                  checked={state.modelId === model.id}
                  disabled={block !== null}
                  aria-describedby={`${radioId}-note`}
                  data-testid={`llama-neuron-finetune-model-${model.id}`}
                  onChange={() =>
                    props.dispatch({ type: 'chooseModel', modelId: model.id })
                  }
                />
                <label htmlFor={radioId}>
                  <strong>{model.display_name}</strong>{' '}
                  <span className="jp-LlamaNeuron-muted">{model.id}</span>
                </label>
                <span
                  id={`${radioId}-note`}
                  className="jp-LlamaNeuron-muted jp-LlamaNeuron-choice-note"
                >
                  {block === 'not-fine-tunable'
                    ? trans.__(
                        'Cannot be fine-tuned: JumpStart offers Neuron fine-tuning for the 7B and 13B base models only.'
                      )
                    : block === 'not-allowed'
                      ? trans.__('Not allowed on this server.')
                      : model.eula_accepted
                        ? trans.__('Fine-tunable on AWS Trainium.')
                        : trans.__(
                            'Fine-tunable on AWS Trainium; the Llama 2 licence is asked for before launch.'
                          )}
                </span>
              </div>
            );
          })}
        </fieldset>
      )}
      {state.card?.kind === 'loading' && (
        <p className="jp-LlamaNeuron-muted" role="status">
          {trans.__('Loading the model card…')}
        </p>
      )}
      {state.card?.kind === 'error' && (
        <ErrorBanner
          error={state.card.error}
          title={trans.__('Could not load the model card')}
        />
      )}
      {view.card && !view.card.training.supported && (
        <p className="jp-LlamaNeuron-warning">{view.card.training.note}</p>
      )}
      {view.card && view.card.training.supported && view.card.training.note && (
        <p className="jp-LlamaNeuron-muted">{view.card.training.note}</p>
      )}
    </FineTuneStepFrame>
  );
}
