import { HTMLSelect } from '@jupyterlab/ui-components';
import React from 'react';

import { IEndpoint } from '../api/types';
import { usePanelServices } from '../context';
import { endpointOptionLabel } from '../models/endpointStatus';

export interface IEndpointPickerProps {
  /** Element id of the select (its label points at it). */
  id: string;
  label: string;
  /** InService endpoints only. */
  endpoints: readonly IEndpoint[];
  value: string | null;
  onChange: (name: string | null) => void;
  testId: string;
  disabled?: boolean;
}

/**
 * A labelled select of the endpoints that can answer now (InService), with model and instance.
 */
export function EndpointPicker(props: IEndpointPickerProps): JSX.Element {
  const { trans } = usePanelServices();
  const { endpoints, value } = props;
  const current = endpoints.find(item => item.name === value) ?? null;
  const known = current !== null;
  return (
    <div className="jp-LlamaNeuron-field-inline jp-LlamaNeuron-endpoint-picker">
      <label htmlFor={props.id}>{props.label}</label>
      <HTMLSelect
        id={props.id}
        data-testid={props.testId}
        value={known ? (value as string) : ''}
        title={current ? endpointOptionLabel(current, trans) : undefined}
        disabled={props.disabled}
        onChange={event => props.onChange(event.currentTarget.value || null)}
        options={[
          {
            value: '',
            label:
              endpoints.length === 0
                ? trans.__('No endpoint in service')
                : trans.__('Choose an endpoint…')
          },
          ...endpoints.map(endpoint => ({
            value: endpoint.name,
            label: endpointOptionLabel(endpoint, trans)
          }))
        ]}
      />
    </div>
  );
}
