import { Button, InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import { usePanelServices } from '../context';
import { ErrorBanner } from './ErrorBanner';
import {
  FineTuneStepFrame,
  IWizardStepProps,
  WIZARD_ID
} from './FineTuneStepFrame';

export interface IFineTuneDatasetStepProps extends IWizardStepProps {
  /** A file was chosen (null: the choice was cleared); the wizard uploads it. */
  onChooseFile: (file: File | null) => void;
  onRunPreflight: () => void;
}

/** Step 2: the data (upload or s3:// URI), its format and template, max_input_length and held-out rows. */
export function FineTuneDatasetStep(
  props: IFineTuneDatasetStepProps
): JSX.Element {
  const { trans } = usePanelServices();
  const { state, view, dispatch, local } = props;
  const errors = view.datasetErrors;
  const upload = state.upload;
  const s3Given = !!state.s3Uri.trim();
  return (
    <FineTuneStepFrame
      {...props}
      step="dataset"
      title={trans.__('Give the training data')}
    >
      <fieldset className="jp-LlamaNeuron-fieldset">
        <legend>{trans.__('Source')}</legend>
        {local ? (
          <p className="jp-LlamaNeuron-muted">
            {trans.__(
              'Local mode has no AWS account: the file is uploaded to this Jupyter server. s3:// URIs are available in SageMaker mode.'
            )}
          </p>
        ) : (
          <div className="jp-LlamaNeuron-field-inline" role="radiogroup">
            <input
              type="radio"
              id={`${WIZARD_ID}-source-upload`}
              name={`${WIZARD_ID}-source`}
              checked={state.sourceKind === 'upload'}
              onChange={() =>
                dispatch({ type: 'setSourceKind', kind: 'upload' })
              }
              data-testid="llama-neuron-dataset-source-upload"
            />
            <label htmlFor={`${WIZARD_ID}-source-upload`}>
              {trans.__('Upload a file')}
            </label>
            <input
              type="radio"
              id={`${WIZARD_ID}-source-s3`}
              name={`${WIZARD_ID}-source`}
              checked={state.sourceKind === 's3'}
              onChange={() => dispatch({ type: 'setSourceKind', kind: 's3' })}
              data-testid="llama-neuron-dataset-source-s3"
            />
            <label htmlFor={`${WIZARD_ID}-source-s3`}>
              {trans.__('An s3:// URI')}
            </label>
          </div>
        )}
        {state.sourceKind === 'upload' ? (
          <div className="jp-LlamaNeuron-field">
            <label htmlFor={`${WIZARD_ID}-file`}>
              {trans.__('Dataset file')}
            </label>
            <input
              id={`${WIZARD_ID}-file`}
              type="file"
              accept=".jsonl,.txt"
              data-testid="llama-neuron-dataset-file"
              aria-describedby={`${WIZARD_ID}-file-help`}
              onChange={event =>
                props.onChooseFile(event.currentTarget.files?.[0] ?? null)
              }
            />
            <span
              id={`${WIZARD_ID}-file-help`}
              className="jp-LlamaNeuron-muted"
            >
              {trans.__(
                'JSON Lines (.jsonl) or, for domain adaptation, plain text (.txt). The file is streamed to the server.'
              )}
            </span>
            {upload.kind === 'uploading' && (
              <div className="jp-LlamaNeuron-local-progress" role="status">
                <label htmlFor={`${WIZARD_ID}-upload-progress`}>
                  {trans.__(
                    'Uploading %1: %2%',
                    upload.filename,
                    view.uploadPercent
                  )}
                </label>
                <progress
                  id={`${WIZARD_ID}-upload-progress`}
                  max={100}
                  value={view.uploadPercent}
                />
              </div>
            )}
            {upload.kind === 'done' && (
              <span
                className="jp-LlamaNeuron-muted"
                data-testid="llama-neuron-dataset-uploaded"
              >
                {trans.__(
                  'Uploaded %1 (%2 bytes).',
                  upload.result.filename,
                  upload.result.bytes
                )}
              </span>
            )}
            {upload.kind === 'error' && (
              <ErrorBanner
                error={upload.error}
                title={trans.__('Could not upload %1', upload.filename)}
              />
            )}
          </div>
        ) : (
          <div className="jp-LlamaNeuron-field">
            <label htmlFor={`${WIZARD_ID}-s3`}>{trans.__('S3 URI')}</label>
            <InputGroup
              id={`${WIZARD_ID}-s3`}
              data-testid="llama-neuron-dataset-s3"
              placeholder="s3://my-bucket/datasets/train.jsonl"
              spellCheck={false}
              value={state.s3Uri}
              aria-invalid={s3Given && !!errors.source}
              onChange={event =>
                dispatch({ type: 'setS3Uri', uri: event.currentTarget.value })
              }
            />
            <span className="jp-LlamaNeuron-muted">
              {trans.__(
                'One .jsonl or .txt file, or a prefix holding exactly one. The execution role must be able to read it.'
              )}
            </span>
          </div>
        )}
        {errors.source && state.sourceKind === 's3' && s3Given && (
          <span className="jp-LlamaNeuron-field-error" role="alert">
            {errors.source}
          </span>
        )}
      </fieldset>

      <fieldset className="jp-LlamaNeuron-fieldset">
        <legend>{trans.__('Format')}</legend>
        <div className="jp-LlamaNeuron-choice">
          <input
            type="radio"
            id={`${WIZARD_ID}-format-instruction`}
            name={`${WIZARD_ID}-format`}
            checked={state.format === 'instruction'}
            onChange={() =>
              dispatch({ type: 'setFormat', format: 'instruction' })
            }
            aria-describedby={`${WIZARD_ID}-format-instruction-help`}
            data-testid="llama-neuron-dataset-format-instruction"
          />
          <label htmlFor={`${WIZARD_ID}-format-instruction`}>
            {trans.__('Instruction tuning')}
          </label>
          <span
            id={`${WIZARD_ID}-format-instruction-help`}
            className="jp-LlamaNeuron-muted jp-LlamaNeuron-choice-note"
          >
            {trans.__(
              'JSON Lines with instruction, optional context and response fields, rendered through the template below.'
            )}
          </span>
        </div>
        <div className="jp-LlamaNeuron-choice">
          <input
            type="radio"
            id={`${WIZARD_ID}-format-domain`}
            name={`${WIZARD_ID}-format`}
            checked={state.format === 'domain'}
            onChange={() => dispatch({ type: 'setFormat', format: 'domain' })}
            aria-describedby={`${WIZARD_ID}-format-domain-help`}
            data-testid="llama-neuron-dataset-format-domain"
          />
          <label htmlFor={`${WIZARD_ID}-format-domain`}>
            {trans.__('Domain adaptation')}
          </label>
          <span
            id={`${WIZARD_ID}-format-domain-help`}
            className="jp-LlamaNeuron-muted jp-LlamaNeuron-choice-note"
          >
            {trans.__(
              'Plain text: a .txt file (one record per line) or JSON Lines with a text field.'
            )}
          </span>
        </div>
      </fieldset>

      {state.format === 'instruction' && (
        <div className="jp-LlamaNeuron-field">
          <label htmlFor={`${WIZARD_ID}-template`}>
            {trans.__('Prompt template')}
          </label>
          <textarea
            id={`${WIZARD_ID}-template`}
            className="jp-LlamaNeuron-textarea jp-LlamaNeuron-template"
            rows={9}
            spellCheck={false}
            value={state.template}
            placeholder={trans.__(
              'Empty: the server’s default (JumpStart Dolly) template.'
            )}
            aria-invalid={errors.template ? true : undefined}
            aria-describedby={`${WIZARD_ID}-template-help`}
            data-testid="llama-neuron-dataset-template"
            onChange={event =>
              dispatch({
                type: 'setTemplate',
                template: event.currentTarget.value
              })
            }
          />
          <span
            id={`${WIZARD_ID}-template-help`}
            className="jp-LlamaNeuron-muted"
          >
            {trans.__(
              'Only {instruction}, {context} and {response} are replaced; {response} must come last. Each record becomes one training text.'
            )}
          </span>
          {errors.template && (
            <span className="jp-LlamaNeuron-field-error" role="alert">
              {errors.template}
            </span>
          )}
          {state.defaultTemplate !== null &&
            state.template !== state.defaultTemplate && (
              <button
                type="button"
                className="jp-LlamaNeuron-link-button"
                onClick={() =>
                  dispatch({
                    type: 'setTemplate',
                    template: state.defaultTemplate ?? ''
                  })
                }
              >
                {trans.__('Restore the default template')}
              </button>
            )}
        </div>
      )}

      <div className="jp-LlamaNeuron-field-row">
        <div className="jp-LlamaNeuron-field">
          <label htmlFor={`${WIZARD_ID}-max-input-length`}>
            {trans.__('max_input_length (tokens)')}
          </label>
          <input
            id={`${WIZARD_ID}-max-input-length`}
            type="text"
            inputMode="numeric"
            className="jp-mod-styled jp-LlamaNeuron-number"
            value={view.maxInputLength}
            aria-invalid={errors.maxInputLength ? true : undefined}
            data-testid="llama-neuron-dataset-max-input-length"
            onChange={event =>
              dispatch({
                type: 'setValue',
                name: 'max_input_length',
                value: event.currentTarget.value
              })
            }
          />
          {errors.maxInputLength && (
            <span className="jp-LlamaNeuron-field-error" role="alert">
              {errors.maxInputLength}
            </span>
          )}
        </div>
        <div className="jp-LlamaNeuron-field">
          <label htmlFor={`${WIZARD_ID}-holdout`}>
            {trans.__('Held-out rows')}
          </label>
          <input
            id={`${WIZARD_ID}-holdout`}
            type="text"
            inputMode="numeric"
            className="jp-mod-styled jp-LlamaNeuron-number"
            value={state.holdout}
            aria-invalid={errors.holdout ? true : undefined}
            aria-describedby={`${WIZARD_ID}-holdout-help`}
            data-testid="llama-neuron-dataset-holdout"
            onChange={event =>
              dispatch({
                type: 'setHoldout',
                holdout: event.currentTarget.value
              })
            }
          />
          <span
            id={`${WIZARD_ID}-holdout-help`}
            className="jp-LlamaNeuron-muted"
          >
            {trans.__(
              'The last N records are kept out of training; their prompts are used to compare the base and fine-tuned models.'
            )}
          </span>
          {errors.holdout && (
            <span className="jp-LlamaNeuron-field-error" role="alert">
              {errors.holdout}
            </span>
          )}
        </div>
      </div>

      {state.report?.kind === 'error' && (
        <ErrorBanner
          error={state.report.error}
          title={trans.__('The preflight did not run')}
        />
      )}
      <div className="jp-LlamaNeuron-actions">
        <Button
          className="jp-mod-styled jp-mod-accept"
          disabled={!view.datasetRequest || state.report?.kind === 'loading'}
          onClick={props.onRunPreflight}
          data-testid="llama-neuron-preflight-run"
        >
          {state.report?.kind === 'loading'
            ? trans.__('Checking the dataset…')
            : trans.__('Run preflight')}
        </Button>
        <span className="jp-LlamaNeuron-muted">
          {trans.__(
            'Checks every line and counts tokens before anything is billed.'
          )}
        </span>
      </div>
    </FineTuneStepFrame>
  );
}
