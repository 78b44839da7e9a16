import React from 'react';

import { usePanelServices } from '../context';
import { IContextFit } from '../models/inferenceParameters';

export interface IContextFitWarningProps {
  /** An estimate that does not fit the endpoint's context. */
  fit: IContextFit;
}

/** The playground's warning that the prompt plus max_new_tokens may not fit the endpoint's context. */
export function ContextFitWarning(props: IContextFitWarningProps): JSX.Element {
  const { trans } = usePanelServices();
  const { fit } = props;
  return (
    <p
      className="jp-LlamaNeuron-warning"
      role="status"
      data-testid="llama-neuron-playground-context-warning"
    >
      {trans.__(
        'The prompt (about %1 tokens, estimated) plus max_new_tokens (%2) may not fit the context of this endpoint (%3 tokens). Shorten the prompt or lower max_new_tokens; the server checks exactly.',
        fit.promptTokens,
        fit.maxNewTokens,
        fit.limit
      )}
    </p>
  );
}
