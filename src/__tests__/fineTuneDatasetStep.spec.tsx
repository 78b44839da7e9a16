import { act } from 'react';
import React from 'react';

import { FineTuneDatasetStep } from '../components/FineTuneDatasetStep';
import {
  mountStep,
  stateAfter,
  stepProps,
  TEMPLATE,
  typeInto,
  UPLOAD
} from './wizardHarness';

function dataset(props: ReturnType<typeof stepProps>) {
  const onChooseFile = jest.fn();
  const onRunPreflight = jest.fn();
  return {
    element: (
      <FineTuneDatasetStep
        {...props}
        onChooseFile={onChooseFile}
        onRunPreflight={onRunPreflight}
      />
    ),
    onChooseFile,
    onRunPreflight
  };
}

describe('FineTuneDatasetStep', () => {
  it('hands the chosen file over and runs the preflight once it is uploaded', async () => {
    const empty = stepProps(stateAfter());
    const first = dataset(empty);
    const m = await mountStep(first.element);
    expect(m.q<HTMLButtonElement>('llama-neuron-preflight-run').disabled).toBe(
      true
    );
    const input = m.q<HTMLInputElement>('llama-neuron-dataset-file');
    const file = new File(['{}\n'], 'd.jsonl');
    Object.defineProperty(input, 'files', { value: [file] });
    await act(async () => {
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(first.onChooseFile).toHaveBeenCalledWith(file);
    await m.dispose();

    const uploaded = dataset(
      stepProps(stateAfter({ type: 'uploadDone', result: UPLOAD }))
    );
    const n = await mountStep(uploaded.element);
    expect(n.q('llama-neuron-dataset-uploaded').textContent).toBe(
      'Uploaded d.jsonl (36 bytes).'
    );
    const run = n.q<HTMLButtonElement>('llama-neuron-preflight-run');
    expect(run.disabled).toBe(false);
    await act(async () => run.click());
    expect(uploaded.onRunPreflight).toHaveBeenCalled();
    await n.dispose();
  });

  it('shows upload progress', async () => {
    const { element } = dataset(
      stepProps(
        stateAfter({
          type: 'uploadProgress',
          filename: 'big.jsonl',
          loaded: 50,
          total: 200
        })
      )
    );
    const m = await mountStep(element);
    expect(m.text()).toContain('Uploading big.jsonl: 25%');
    expect(m.widget.node.querySelector('progress')?.value).toBe(25);
    await m.dispose();
  });

  it('explains a malformed S3 URI and passes edits on as actions', async () => {
    const props = stepProps(
      stateAfter(
        { type: 'setSourceKind', kind: 's3' },
        { type: 'setS3Uri', uri: 'http://bucket/x' }
      )
    );
    const { element } = dataset(props);
    const m = await mountStep(element);
    expect(
      m.widget.node.querySelector('[role="alert"]')?.textContent
    ).toContain('s3://my-bucket');
    await typeInto(m.q('llama-neuron-dataset-s3'), 's3://bucket/train.jsonl');
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setS3Uri',
      uri: 's3://bucket/train.jsonl'
    });
    await typeInto(m.q('llama-neuron-dataset-holdout'), '5');
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setHoldout',
      holdout: '5'
    });
    await typeInto(m.q('llama-neuron-dataset-max-input-length'), '1024');
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setValue',
      name: 'max_input_length',
      value: '1024'
    });
    await act(async () => m.q('llama-neuron-dataset-format-domain').click());
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setFormat',
      format: 'domain'
    });
    await m.dispose();
  });

  it('offers no S3 source in local mode', async () => {
    const { element } = dataset(stepProps(stateAfter(), true));
    const m = await mountStep(element);
    expect(m.q('llama-neuron-dataset-source-s3')).toBeNull();
    expect(m.text()).toContain('Local mode has no AWS account');
    await m.dispose();
  });

  it('checks the template and restores the server’s default', async () => {
    const props = stepProps(
      stateAfter(
        { type: 'defaultTemplateKnown', template: TEMPLATE },
        { type: 'setTemplate', template: '{response} then {instruction}' }
      )
    );
    const { element } = dataset(props);
    const m = await mountStep(element);
    expect(m.text()).toContain('{response} must be the last placeholder');
    const restore = Array.from(m.widget.node.querySelectorAll('button')).find(
      button => button.textContent === 'Restore the default template'
    )!;
    await act(async () => restore.click());
    expect(props.dispatch).toHaveBeenCalledWith({
      type: 'setTemplate',
      template: TEMPLATE
    });
    await m.dispose();
  });
});
