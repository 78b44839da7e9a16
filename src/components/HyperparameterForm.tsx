import { Button, HTMLSelect } from '@jupyterlab/ui-components';
import React from 'react';

import { IHyperparameter } from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import {
  formatDefault,
  localMeaning,
  HyperparameterValues,
  rangeText
} from '../models/trainingForm';

export interface IHyperparameterFormProps {
  specs: readonly IHyperparameter[];
  values: HyperparameterValues;
  /** One message per invalid field (see `validateHyperparameters`). */
  errors: Record<string, string>;
  /** Local mode: mark the hyperparameters that change nothing there. */
  local: boolean;
  onChange: (name: string, value: string) => void;
  onReset: () => void;
}

/**
 * The model's fine-tuning hyperparameters: defaults from the card, the allowed range or options, a
 * description and an inline error per field. In local mode the ones with no local meaning are marked.
 */
export function HyperparameterForm(
  props: IHyperparameterFormProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { specs, values, errors } = props;
  // What each hyperparameter means locally: the server's (null outside local mode or before it answers).
  const rules = useServerRules();
  const localRules = props.local
    ? (rules?.training.local_hyperparameters ?? null)
    : null;

  return (
    <fieldset
      className="jp-LlamaNeuron-fieldset jp-LlamaNeuron-hyperparameters"
      data-testid="llama-neuron-hyperparameters"
    >
      <legend>{trans.__('Hyperparameters')}</legend>
      {localRules && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__(
            'Local mode trains %1 on the small stand-in model: only %2 apply there. %3 The others are sent to SageMaker only and are marked "%4".',
            localRules.method,
            localRules.settings.map(item => item.name).join(', '),
            localRules.note,
            localRules.other_meaning
          )}
        </p>
      )}
      <div className="jp-LlamaNeuron-hyperparameter-grid">
        {specs.map(spec => {
          const id = `jp-LlamaNeuron-hp-${spec.name}`;
          const helpId = `${id}-help`;
          const errorId = `${id}-error`;
          const error = errors[spec.name];
          const value = values[spec.name] ?? formatDefault(spec);
          const inert =
            !!localRules && localMeaning(spec.name, localRules) === null;
          const common = {
            id,
            'data-testid': `llama-neuron-hyperparameter-${spec.name}`,
            'aria-invalid': error ? true : undefined,
            'aria-describedby': error ? `${helpId} ${errorId}` : helpId
          };
          return (
            <div
              key={spec.name}
              className={`jp-LlamaNeuron-hyperparameter${inert ? ' jp-mod-inactive' : ''}`}
              data-name={spec.name}
            >
              <label htmlFor={id}>
                <code>{spec.name}</code>
                {inert && (
                  <span className="jp-LlamaNeuron-badge jp-LlamaNeuron-badge-warn">
                    {localRules?.other_meaning}
                  </span>
                )}
              </label>
              {spec.type === 'text' &&
              spec.options &&
              spec.options.length > 0 ? (
                <HTMLSelect
                  {...common}
                  value={value}
                  disabled={spec.options.length === 1}
                  onChange={event =>
                    props.onChange(spec.name, event.currentTarget.value)
                  }
                  options={spec.options.map(option => ({
                    value: option,
                    label: option
                  }))}
                />
              ) : (
                <input
                  {...common}
                  type="text"
                  className="jp-mod-styled jp-LlamaNeuron-number"
                  inputMode={
                    spec.type === 'int'
                      ? 'numeric'
                      : spec.type === 'float'
                        ? 'decimal'
                        : undefined
                  }
                  spellCheck={false}
                  value={value}
                  onChange={event =>
                    props.onChange(spec.name, event.currentTarget.value)
                  }
                />
              )}
              <span id={helpId} className="jp-LlamaNeuron-param-help">
                {spec.description}{' '}
                {trans.__(
                  'Allowed: %1. Default: %2.',
                  rangeText(spec, trans),
                  formatDefault(spec) || trans.__('(none)')
                )}
              </span>
              {error && (
                <span
                  id={errorId}
                  className="jp-LlamaNeuron-field-error"
                  role="alert"
                >
                  {error}
                </span>
              )}
            </div>
          );
        })}
      </div>
      <div className="jp-LlamaNeuron-actions">
        <Button
          small
          minimal
          onClick={props.onReset}
          data-testid="llama-neuron-hyperparameters-reset"
        >
          {trans.__('Reset to defaults')}
        </Button>
      </div>
    </fieldset>
  );
}
