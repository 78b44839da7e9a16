/**
 * Issue 12, defect 5: fine-tuned endpoints are told apart in the endpoint menus, the endpoint rows and the
 * deploy form.
 */
import React, { act } from 'react';

import { DeployForm } from '../components/DeployForm';
import { EndpointRow } from '../components/EndpointRow';
import { PlaygroundView } from '../components/PlaygroundView';
import {
  BASE_EP,
  byTestId,
  mount,
  servicesWith,
  TUNED_EP
} from './panelHarness';
import { card13b, MODELS } from './fixtures';

describe('Defect 5: fine-tuned endpoints are told apart', () => {
  it('marks them "fine-tuned" in the endpoint menus and rows', async () => {
    const services = await servicesWith([BASE_EP, TUNED_EP]);
    const widget = await mount(
      <PlaygroundView
        models={MODELS}
        status={null}
        selected="tiny-ft-1"
        onSelect={jest.fn()}
      />,
      services
    );
    const options = Array.from(
      widget.node.querySelectorAll<HTMLOptionElement>(
        '[data-testid="llama-neuron-playground-endpoint"] option, select[data-testid="llama-neuron-playground-endpoint"] option'
      )
    ).map(option => option.textContent ?? '');
    expect(options.find(text => text.startsWith('tiny-ft-1'))).toContain(
      'fine-tuned'
    );
    expect(options.find(text => text.startsWith('base-ep'))).not.toContain(
      'fine-tuned'
    );
    await act(async () => widget.dispose());

    const row = await mount(
      <ul>
        <EndpointRow
          endpoint={TUNED_EP}
          now={Date.now()}
          deleting={false}
          onDelete={jest.fn()}
        />
      </ul>,
      services
    );
    expect(byTestId(row, 'llama-neuron-endpoint-fine-tuned').textContent).toBe(
      'fine-tuned'
    );
    await act(async () => row.dispose());
  });

  it('leaves the name empty in the deploy form of a fine-tuned model, as its help says', async () => {
    const services = await servicesWith([]);
    const widget = await mount(
      <DeployForm
        card={{ ...card13b(), eula: null }}
        status={null}
        onCancel={jest.fn()}
        onDeployed={jest.fn()}
        onEulaRequired={jest.fn()}
        trainingJob="tiny-ft-1"
      />,
      services
    );
    const name = byTestId(widget, 'llama-neuron-deploy-name');
    const input = (
      name.tagName === 'INPUT' ? name : name.querySelector('input')
    ) as HTMLInputElement;
    expect(input.value).toBe('');
    expect(input.placeholder).toBe('tiny-ft-1');
    expect(widget.node.textContent).toContain(
      'Leave empty to name it after the training job (tiny-ft-1).'
    );
    await act(async () => widget.dispose());
  });
});
