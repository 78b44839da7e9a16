import React, { useEffect, useRef } from 'react';

import { IInferenceParameterSpec } from '../api/types';
import { usePanelServices, useServerRules } from '../context';
import {
  IParameterValues,
  isParameterActive,
  parameterWarnings,
  ParameterName,
  ParameterErrors,
  rangeText
} from '../models/inferenceParameters';

export interface IParameterPanelProps {
  /** Prefix of element ids (unique per view). */
  idPrefix: string;
  /** Prefix of data-testids, e.g. "llama-neuron-playground" → "llama-neuron-playground-param-top_p". */
  testIdPrefix: string;
  values: IParameterValues;
  errors: ParameterErrors;
  /** The endpoint's context length (`n_positions`); caps the length parameters. */
  contextLength: number | null;
  disabled?: boolean;
  /** Whether the section starts expanded (default true). */
  defaultOpen?: boolean;
  /** Open the section and focus this field (a new object each time it is asked). */
  reveal?: { name: ParameterName } | null;
  onChange: (values: IParameterValues) => void;
}

/**
 * Every inference parameter the server supports (`rules.inference_parameters`), with its description,
 * default and valid range, an inline message when invalid, and the server's warning for valid but unwise
 * values (e.g. a temperature above 2). Sampling values (temperature, top_p, top_k) are greyed out and not
 * sent unless "do_sample" is on.
 */
export function ParameterPanel(props: IParameterPanelProps): JSX.Element {
  const { trans } = usePanelServices();
  const rules = useServerRules()?.inference_parameters ?? null;
  const { values, errors, contextLength, idPrefix, testIdPrefix } = props;

  const defaultText = (item: IInferenceParameterSpec): string => {
    if (item.type === 'bool') {
      return item.default === true ? trans.__('on') : trans.__('off');
    }
    return item.default === null ? trans.__('not set') : String(item.default);
  };

  if (!rules) {
    return (
      <p className="jp-LlamaNeuron-muted" role="status">
        {trans.__('Loading the parameter ranges from the server…')}
      </p>
    );
  }
  const warnings = parameterWarnings(values, rules, trans);

  const set = (name: ParameterName, value: string | boolean): void =>
    props.onChange({ ...values, [name]: value });

  // A collapsed section must not hide why Send is off: it opens when a value becomes invalid.
  const detailsRef = useRef<HTMLDetailsElement>(null);
  const invalid = Object.keys(errors).length > 0;
  useEffect(() => {
    if (invalid && detailsRef.current) {
      detailsRef.current.open = true;
    }
  }, [invalid]);
  const { reveal } = props;
  useEffect(() => {
    if (!reveal || !detailsRef.current) {
      return;
    }
    detailsRef.current.open = true;
    const field = document.getElementById(`${idPrefix}-param-${reveal.name}`);
    field?.scrollIntoView?.({ block: 'nearest' });
    field?.focus();
  }, [reveal, idPrefix]);

  return (
    <details
      ref={detailsRef}
      className="jp-LlamaNeuron-params"
      data-testid={`${testIdPrefix}-parameters`}
      open={props.defaultOpen ?? true}
    >
      <summary>{trans.__('Parameters')}</summary>
      <div className="jp-LlamaNeuron-params-grid">
        {rules.parameters.map(item => {
          const id = `${idPrefix}-param-${item.name}`;
          const helpId = `${id}-help`;
          const error = errors[item.name];
          const warning = error ? undefined : warnings[item.name];
          const active = isParameterActive(item, values);
          const raw = (values as unknown as Record<string, unknown>)[item.name];
          const help = trans.__(
            'Default: %1 · %2',
            defaultText(item),
            rangeText(item, contextLength, rules, trans)
          );
          const note = active
            ? ''
            : trans.__(' · used only when do_sample is on');
          return (
            <div
              key={item.name}
              className={`jp-LlamaNeuron-param ${active ? '' : 'jp-mod-inactive'}`}
              data-param={item.name}
            >
              {item.type === 'bool' ? (
                <label className="jp-LlamaNeuron-checkbox" htmlFor={id}>
                  <input
                    id={id}
                    type="checkbox"
                    checked={raw === true}
                    disabled={props.disabled}
                    aria-describedby={helpId}
                    data-testid={`${testIdPrefix}-param-${item.name}`}
                    onChange={event =>
                      set(item.name, event.currentTarget.checked)
                    }
                  />
                  <code>{item.name}</code>
                </label>
              ) : (
                <label htmlFor={id}>
                  <code>{item.name}</code>
                </label>
              )}
              {item.type === 'stop' && (
                <textarea
                  id={id}
                  className="jp-LlamaNeuron-textarea"
                  rows={2}
                  value={String(raw ?? '')}
                  disabled={props.disabled}
                  placeholder={trans.__('One per line')}
                  aria-invalid={!!error}
                  aria-describedby={helpId}
                  data-testid={`${testIdPrefix}-param-${item.name}`}
                  onChange={event => set(item.name, event.currentTarget.value)}
                />
              )}
              {(item.type === 'int' || item.type === 'float') && (
                <input
                  id={id}
                  className="jp-LlamaNeuron-number"
                  type="text"
                  inputMode={item.type === 'int' ? 'numeric' : 'decimal'}
                  value={String(raw ?? '')}
                  disabled={props.disabled}
                  placeholder={
                    item.default === null ? trans.__('not set') : undefined
                  }
                  aria-invalid={!!error}
                  aria-describedby={helpId}
                  data-testid={`${testIdPrefix}-param-${item.name}`}
                  onChange={event => set(item.name, event.currentTarget.value)}
                />
              )}
              <span id={helpId} className="jp-LlamaNeuron-param-help">
                <span className="jp-LlamaNeuron-muted">
                  {item.description} {help}
                  {note}
                </span>
                {error && (
                  <span
                    className="jp-LlamaNeuron-field-error"
                    role="alert"
                    data-testid={`${testIdPrefix}-param-${item.name}-error`}
                  >
                    {error}
                  </span>
                )}
                {warning && (
                  <span
                    className="jp-LlamaNeuron-warning"
                    role="status"
                    data-testid={`${testIdPrefix}-param-${item.name}-warning`}
                  >
                    {warning}
                  </span>
                )}
              </span>
            </div>
          );
        })}
      </div>
    </details>
  );
}
