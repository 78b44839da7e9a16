/**
 * Issue 12, defects 1 and 7: the licence dialog is a real modal, and one acceptance covers every Llama 2
 * model unless the analyst asks for this one only.
 */
import React, { act } from 'react';

import { EulaDialog } from '../components/EulaDialog';
import { byTestId, click, mount, servicesWith } from './panelHarness';
import { card13b, MODELS } from './fixtures';

describe('Defect 1: the licence dialog is a real modal', () => {
  it('opens as a modal <dialog> (top layer, centred, the page behind inert)', async () => {
    const showModal = jest.fn(function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    });
    const proto = HTMLDialogElement.prototype as unknown as {
      showModal?: () => void;
    };
    const previous = proto.showModal;
    proto.showModal = showModal;
    const services = await servicesWith([]);
    const widget = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={jest.fn()}
        onCancel={jest.fn()}
      />,
      services
    );
    const dialog = byTestId(widget, 'llama-neuron-eula-dialog');
    expect(dialog.tagName).toBe('DIALOG');
    expect(showModal).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(
      byTestId(widget, 'llama-neuron-eula-checkbox')
    );
    await act(async () => widget.dispose());
    proto.showModal = previous;
  });
});

describe('Defect 7: one acceptance for all Llama 2 models', () => {
  it('accepts for all models by default, or for this one only', async () => {
    const acceptEula = jest.fn(async () => ({
      model_id: card13b().id,
      eula_url: 'e',
      aup_url: 'a',
      accepted_at: '2024-01-01T00:00:00Z',
      user: 'me',
      covers: [card13b().id, MODELS[0].id]
    }));
    const services = await servicesWith([], undefined, { acceptEula });
    const onAccepted = jest.fn();
    const widget = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={onAccepted}
        onCancel={jest.fn()}
      />,
      services
    );
    const all = byTestId(
      widget,
      'llama-neuron-eula-all-models'
    ) as HTMLInputElement;
    expect(all.checked).toBe(true);
    await click(byTestId(widget, 'llama-neuron-eula-checkbox'));
    await click(byTestId(widget, 'llama-neuron-eula-accept'));
    expect(acceptEula).toHaveBeenLastCalledWith(card13b().id, true);
    expect(onAccepted.mock.calls[0][0].covers).toHaveLength(2);
    await act(async () => widget.dispose());

    const again = await mount(
      <EulaDialog
        card={card13b()}
        onAccepted={jest.fn()}
        onCancel={jest.fn()}
      />,
      services
    );
    await click(byTestId(again, 'llama-neuron-eula-all-models'));
    await click(byTestId(again, 'llama-neuron-eula-checkbox'));
    await click(byTestId(again, 'llama-neuron-eula-accept'));
    expect(acceptEula).toHaveBeenLastCalledWith(card13b().id, false);
    await act(async () => again.dispose());
  });
});
