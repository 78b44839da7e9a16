import { Button } from '@jupyterlab/ui-components';
import React from 'react';

import { IExamplePrompt } from '../api/types';
import { usePanelServices } from '../context';
import { exampleParametersText } from '../models/plainWords';

export interface IExamplePromptsProps {
  examples: readonly IExamplePrompt[];
  /** An endpoint of this model is in service: "Try this" sends at once (else it deploys first). */
  hasEndpoint: boolean;
  disabled: boolean;
  onTry: (example: IExamplePrompt) => void;
}

/**
 * The model card's example prompts, each with a one-click "Try this": with an endpoint in service it
 * fills and sends the prompt in the Playground; without one it starts Quick deploy and sends when ready.
 */
export function ExamplePrompts(props: IExamplePromptsProps): JSX.Element {
  const { trans } = usePanelServices();
  return (
    <section aria-labelledby="jp-LlamaNeuron-examples-title">
      <h4 id="jp-LlamaNeuron-examples-title">{trans.__('Example prompts')}</h4>
      <p className="jp-LlamaNeuron-muted">
        {props.hasEndpoint
          ? trans.__('"Try this" sends the prompt to your endpoint.')
          : trans.__(
              '"Try this" deploys the model (Quick deploy) and sends the prompt when the endpoint is ready.'
            )}
      </p>
      <ul className="jp-LlamaNeuron-examples">
        {props.examples.map((example, index) => {
          const settings = exampleParametersText(example.parameters, trans);
          return (
            <li key={index} className="jp-LlamaNeuron-example">
              <div className="jp-LlamaNeuron-example-head">
                <strong>{example.title}</strong>
                <Button
                  small
                  className="jp-mod-styled jp-mod-accept"
                  disabled={props.disabled}
                  aria-label={trans.__('Try this: %1', example.title)}
                  data-testid="llama-neuron-example-try"
                  onClick={() => props.onTry(example)}
                >
                  {trans.__('Try this')}
                </Button>
              </div>
              <pre className="jp-LlamaNeuron-pre">{example.inputs}</pre>
              {settings && (
                <p
                  className="jp-LlamaNeuron-muted"
                  data-testid="llama-neuron-example-settings"
                >
                  {trans.__('Settings: %1', settings)}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
