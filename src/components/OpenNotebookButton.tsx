import { Button } from '@jupyterlab/ui-components';
import React, { useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { ICreateNotebookRequest } from '../api/types';
import { usePanelServices } from '../context';
import { ErrorBanner } from './ErrorBanner';

/** JupyterLab's command that opens a file from the contents root. */
export const OPEN_DOCUMENT_COMMAND = 'docmanager:open';

export interface IOpenNotebookButtonProps {
  /**
   * The notebook to write: built when clicked, so it carries the form's current choices. Return null when
   * the current choices cannot make a notebook (the button is then a no-op; disable it instead if you can).
   */
  request: () => ICreateNotebookRequest | null;
  /** `data-testid` of the button. */
  testId: string;
  disabled?: boolean;
  small?: boolean;
  /** Accessible name when the visible label alone is ambiguous (e.g. one button per endpoint row). */
  ariaLabel?: string;
  /** Called with the written notebook's path after it was opened. */
  onOpened?: (path: string) => void;
}

/**
 * "Open notebook": asks the server to write an example notebook with exactly the chosen configuration
 * (`POST /notebooks`), then opens it in JupyterLab (`docmanager:open`). One request at a time; errors are
 * shown under the button.
 */
export function OpenNotebookButton(
  props: IOpenNotebookButtonProps
): JSX.Element {
  const { api, commands, trans } = usePanelServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const [written, setWritten] = useState<string | null>(null);
  const inFlight = useRef(false);

  const open = async (): Promise<void> => {
    const body = props.request();
    if (!body || inFlight.current) {
      return;
    }
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const { path } = await api.createNotebook(body);
      setWritten(path);
      if (commands) {
        await commands.execute(OPEN_DOCUMENT_COMMAND, { path });
      }
      props.onOpened?.(path);
    } catch (reason) {
      setError(toApiRequestError(reason));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        type="button"
        small={props.small}
        className="jp-mod-styled"
        disabled={props.disabled || busy}
        aria-label={props.ariaLabel}
        title={trans.__(
          'Write a notebook with the code for exactly this configuration and open it'
        )}
        onClick={() => void open()}
        data-testid={props.testId}
        data-notebook-path={written ?? undefined}
      >
        {busy ? trans.__('Writing notebook…') : trans.__('Open notebook')}
      </Button>
      {error && (
        <ErrorBanner
          error={error}
          title={trans.__('The notebook was not written')}
          onDismiss={() => setError(null)}
        />
      )}
    </>
  );
}
