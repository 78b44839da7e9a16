import React, { useEffect, useRef } from 'react';

import { usePanelServices } from '../context';
import {
  IParameterSpec,
  IParameterValues,
  isParameterActive,
  ParameterErrors,
  ParameterName,
  PARAMETER_SPECS,
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
 * Every supported inference parameter with its default, valid range and an inline message when invalid.
 * Sampling values (temperature, top_p, top_k) are greyed out and not sent unless "do_sample" is on.
 */
export function ParameterPanel(props: IParameterPanelProps): JSX.Element {
  const { trans } = usePanelServices();
  const { values, errors, contextLength, idPrefix, testIdPrefix } = props;

  const describe = (name: ParameterName): string => {
    switch (name) {
      case 'max_new_tokens':
        return trans.__('Stop after this many generated tokens.');
      case 'max_length':
        return trans.__('Stop when prompt plus answer reach this many tokens.');
      case 'temperature':
        return trans.__('Randomness of sampling; close to 0 is nearly greedy.');
      case 'top_p':
        return trans.__(
          'Nucleus sampling: keep the smallest set of tokens with this total probability.'
        );
      case 'top_k':
        return trans.__('Sample only from the k most likely tokens.');
      case 'do_sample':
        return trans.__(
          'Sample instead of always picking the most likely token (enables temperature, top_p, top_k).'
        );
      case 'num_beams':
        return trans.__('Beam-search width (1 or empty: no beam search).');
      case 'early_stopping':
        return trans.__('With beam search, stop when every beam has ended.');
      case 'no_repeat_ngram_size':
        return trans.__('Never repeat an n-gram of this size.');
      case 'stop':
        return trans.__('Stop when any of these strings is generated.');
      case 'return_full_text':
        return trans.__('Return the prompt followed by the answer.');
      default:
        return '';
    }
  };

  const defaultText = (item: IParameterSpec): string => {
    if (item.kind === 'bool') {
      return item.defaultValue ? trans.__('on') : trans.__('off');
    }
    return item.defaultValue === ''
      ? trans.__('not set')
      : String(item.defaultValue);
  };

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
        {PARAMETER_SPECS.map(item => {
          const id = `${idPrefix}-param-${item.name}`;
          const helpId = `${id}-help`;
          const error = errors[item.name];
          const active = isParameterActive(item.name, values);
          const raw = (values as unknown as Record<string, unknown>)[item.name];
          const help = trans.__(
            'Default: %1 · %2',
            defaultText(item),
            rangeText(item, contextLength, trans)
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
              {item.kind === 'bool' ? (
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
              {item.kind === 'stop' && (
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
              {(item.kind === 'int' || item.kind === 'float') && (
                <input
                  id={id}
                  className="jp-LlamaNeuron-number"
                  type="text"
                  inputMode={item.kind === 'int' ? 'numeric' : 'decimal'}
                  value={String(raw ?? '')}
                  disabled={props.disabled}
                  placeholder={
                    item.defaultValue === '' ? trans.__('not set') : undefined
                  }
                  aria-invalid={!!error}
                  aria-describedby={helpId}
                  data-testid={`${testIdPrefix}-param-${item.name}`}
                  onChange={event => set(item.name, event.currentTarget.value)}
                />
              )}
              <span id={helpId} className="jp-LlamaNeuron-param-help">
                <span className="jp-LlamaNeuron-muted">
                  {describe(item.name)} {help}
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
              </span>
            </div>
          );
        })}
      </div>
    </details>
  );
}
