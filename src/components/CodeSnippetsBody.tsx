import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { ICodeSnippets } from '../models/codeSnippets';

export interface ICodeSnippetsBodyProps {
  snippets: ICodeSnippets;
  endpointName: string;
  /** The endpoint runs locally: the code targets the SageMaker endpoint of the same name. */
  local: boolean;
  /** Passed explicitly: dialogs render outside the panel's context. */
  trans: TranslationBundle;
}

type SnippetKind = 'boto3' | 'sdk';

/**
 * The body of the "Copy as code" dialog: the boto3 and SageMaker SDK snippets for exactly the last request,
 * each with its own Copy button.
 */
export function CodeSnippetsBody(props: ICodeSnippetsBodyProps): JSX.Element {
  const { snippets, trans } = props;
  const [copied, setCopied] = useState<SnippetKind | null>(null);
  const copy = (kind: SnippetKind): void => {
    Clipboard.copyToSystem(
      kind === 'boto3' ? snippets.boto3 : snippets.sagemakerSdk
    );
    setCopied(kind);
  };
  const sections: { kind: SnippetKind; title: string; code: string }[] = [
    {
      kind: 'boto3',
      title: trans.__('boto3 (invoke_endpoint)'),
      code: snippets.boto3
    },
    {
      kind: 'sdk',
      title: trans.__('SageMaker Python SDK (Predictor.predict)'),
      code: snippets.sagemakerSdk
    }
  ];
  return (
    <div
      className="jp-LlamaNeuron-code-dialog"
      data-testid="llama-neuron-code-dialog"
    >
      <p className="jp-LlamaNeuron-muted">
        {trans.__(
          'Python that sends exactly this request to the SageMaker endpoint %1, with the Llama 2 licence accepted through CustomAttributes.',
          props.endpointName
        )}
      </p>
      {props.local && (
        <p className="jp-LlamaNeuron-notice">
          {trans.__(
            'This endpoint runs locally; the code works once the same model is deployed on SageMaker under this name.'
          )}
        </p>
      )}
      {sections.map(section => (
        <section key={section.kind} className="jp-LlamaNeuron-code-section">
          <div className="jp-LlamaNeuron-toolbar">
            <h4 className="jp-LlamaNeuron-section-title">{section.title}</h4>
            <Button
              small
              className="jp-mod-styled"
              data-testid={`llama-neuron-code-copy-${section.kind}`}
              aria-label={trans.__('Copy %1', section.title)}
              onClick={() => copy(section.kind)}
            >
              {copied === section.kind ? trans.__('Copied') : trans.__('Copy')}
            </Button>
          </div>
          <pre
            className="jp-LlamaNeuron-pre jp-LlamaNeuron-code"
            data-testid={`llama-neuron-code-${section.kind}`}
            tabIndex={0}
            aria-label={section.title}
          >
            {section.code}
          </pre>
        </section>
      ))}
    </div>
  );
}

/** Open the "Copy as code" dialog. */
export async function showCodeDialog(
  props: ICodeSnippetsBodyProps
): Promise<void> {
  await showDialog({
    title: props.trans.__('Copy as code'),
    body: <CodeSnippetsBody {...props} />,
    buttons: [Dialog.okButton({ label: props.trans.__('Close') })]
  });
}
