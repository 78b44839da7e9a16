import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { IEulaRecord, IModelCard } from '../api/types';
import { usePanelServices } from '../context';
import { ErrorBanner } from './ErrorBanner';

export interface IEulaDialogProps {
  card: Pick<
    IModelCard,
    'id' | 'display_name' | 'eula_url' | 'aup_url' | 'license'
  >;
  /** The server recorded the acceptance. */
  onAccepted: (record: IEulaRecord) => void;
  onCancel: () => void;
}

/**
 * The Llama 2 Community License and Acceptable Use Policy acknowledgment, required before any deploy.
 * Accept stays disabled until the checkbox is ticked; the server records who accepted and when, for this
 * model or (the second checkbox) for every model under the same licence, one record per model.
 * A native <dialog> opened with showModal(): it sits in the browser's top layer, centred in the viewport,
 * and everything behind it is inert. (A fixed-position overlay inside the panel is clipped by JupyterLab's
 * layout containment and leaves the buttons behind it clickable.)
 */
export function EulaDialog(props: IEulaDialogProps): JSX.Element {
  const { api, trans } = usePanelServices();
  const [checked, setChecked] = useState(false);
  const [allModels, setAllModels] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const checkboxRef = useRef<HTMLInputElement>(null);
  const mounted = useRef(true);
  const { card } = props;

  useEffect(() => {
    mounted.current = true;
    const previous = document.activeElement as HTMLElement | null;
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') {
        dialog.showModal();
      } else {
        dialog.setAttribute('open', ''); // environments without the top layer (jsdom)
      }
    }
    checkboxRef.current?.focus();
    return () => {
      mounted.current = false;
      previous?.focus?.();
    };
  }, []);

  const accept = async (): Promise<void> => {
    if (!checked || busy) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const record = await api.acceptEula(card.id, allModels);
      if (mounted.current) {
        props.onAccepted(record);
      }
    } catch (reason) {
      if (mounted.current) {
        setError(toApiRequestError(reason));
        setBusy(false);
      }
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLDialogElement>): void => {
    if (event.key === 'Escape') {
      // The browser would close the dialog itself; React decides, by unmounting it.
      event.preventDefault();
      event.stopPropagation();
      props.onCancel();
      return;
    }
    if (event.key !== 'Tab' || !dialogRef.current) {
      return;
    }
    // Keep keyboard focus inside the dialog.
    const focusable = Array.from(
      dialogRef.current.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled])'
      )
    );
    if (focusable.length === 0) {
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  const titleId = `jp-LlamaNeuron-eula-title-${card.id}`;
  const bodyId = `jp-LlamaNeuron-eula-body-${card.id}`;
  const checkboxId = `jp-LlamaNeuron-eula-accept-${card.id}`;
  const allId = `jp-LlamaNeuron-eula-all-${card.id}`;

  return (
    <dialog
      ref={dialogRef}
      className="jp-LlamaNeuron-modal"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid="llama-neuron-eula-dialog"
      onKeyDown={onKeyDown}
      onCancel={event => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <h3 id={titleId} className="jp-LlamaNeuron-modal-title">
        {trans.__('Llama 2 license')}
      </h3>
      <div id={bodyId}>
        <p>
          {trans.__(
            '%1 is a gated model from Meta. Before you deploy it, read and accept the Llama 2 Community License and the Acceptable Use Policy.',
            card.display_name
          )}
        </p>
        {card.license && (
          <p className="jp-LlamaNeuron-muted">
            {trans.__('License: %1', card.license)}
          </p>
        )}
      </div>
      <ul className="jp-LlamaNeuron-links">
        <li>
          <a
            href={card.eula_url}
            target="_blank"
            rel="noopener noreferrer"
            data-testid="llama-neuron-eula-link"
          >
            {trans.__('Llama 2 Community License (opens in a new tab)')}
          </a>
        </li>
        <li>
          <a
            href={card.aup_url}
            target="_blank"
            rel="noopener noreferrer"
            data-testid="llama-neuron-aup-link"
          >
            {trans.__('Acceptable Use Policy (opens in a new tab)')}
          </a>
        </li>
      </ul>
      <div className="jp-LlamaNeuron-checkbox">
        <input
          ref={checkboxRef}
          id={checkboxId}
          type="checkbox"
          checked={checked}
          disabled={busy}
          data-testid="llama-neuron-eula-checkbox"
          onChange={event => setChecked(event.currentTarget.checked)}
        />
        <label htmlFor={checkboxId}>
          {trans.__(
            'I have read and accept the Llama 2 Community License and Acceptable Use Policy'
          )}
        </label>
      </div>
      <div className="jp-LlamaNeuron-checkbox">
        <input
          id={allId}
          type="checkbox"
          checked={allModels}
          disabled={busy}
          data-testid="llama-neuron-eula-all-models"
          onChange={event => setAllModels(event.currentTarget.checked)}
        />
        <label htmlFor={allId}>
          {trans.__(
            'Accept it for all Llama 2 models (the same licence; each model is recorded by name)'
          )}
        </label>
      </div>
      {error && <ErrorBanner error={error} title={trans.__('Not recorded')} />}
      <div className="jp-LlamaNeuron-modal-actions">
        <Button
          minimal
          onClick={props.onCancel}
          data-testid="llama-neuron-eula-cancel"
        >
          {trans.__('Cancel')}
        </Button>
        <Button
          className="jp-mod-styled jp-mod-accept"
          disabled={!checked || busy}
          onClick={() => void accept()}
          data-testid="llama-neuron-eula-accept"
        >
          {busy ? trans.__('Recording…') : trans.__('Accept')}
        </Button>
      </div>
    </dialog>
  );
}
