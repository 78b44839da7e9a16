import { Button } from '@jupyterlab/ui-components';
import React, { useRef, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { IEndpoint } from '../api/types';
import { usePanelServices } from '../context';
import { ErrorBanner } from './ErrorBanner';

export interface IRestartEndpointButtonProps {
  endpoint: IEndpoint;
  /** Called once the server accepted the restart (the endpoint is Creating again). */
  onRestarted?: (endpoint: IEndpoint) => void;
}

/** Whether the server offers a restart of this endpoint (it decides: a Failed local endpoint does). */
export function offersRestart(endpoint: Pick<IEndpoint, 'actions'>): boolean {
  return (endpoint.actions ?? []).includes('restart');
}

/**
 * "Restart" for an endpoint whose `actions` include `restart` (nothing otherwise): `POST
 * /endpoints/{name}/restart`, then the answer (Creating) goes into the endpoints model, which polls it until
 * it is InService or Failed again. One request at a time; a refusal is shown under the button.
 */
export function RestartEndpointButton(
  props: IRestartEndpointButtonProps
): JSX.Element | null {
  const { api, endpoints, trans } = usePanelServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiRequestError | null>(null);
  const inFlight = useRef(false);
  const { endpoint } = props;

  if (!offersRestart(endpoint) && !error) {
    return null;
  }

  const restart = async (): Promise<void> => {
    if (inFlight.current) {
      return;
    }
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const restarted = await api.restartEndpoint(endpoint.name);
      endpoints.upsert(restarted);
      props.onRestarted?.(restarted);
    } catch (reason) {
      setError(toApiRequestError(reason));
      // The refusal may say it changed meanwhile (e.g. already restarting): show what is true now.
      void endpoints.load(endpoint.name).catch(() => undefined);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  return (
    <>
      {offersRestart(endpoint) && (
        <Button
          type="button"
          small
          className="jp-mod-styled jp-mod-accept"
          disabled={busy}
          aria-label={trans.__('Restart endpoint %1', endpoint.name)}
          title={trans.__(
            'Start this endpoint again with the same model and configuration'
          )}
          data-testid="llama-neuron-endpoint-restart"
          onClick={() => void restart()}
        >
          {busy ? trans.__('Restarting…') : trans.__('Restart')}
        </Button>
      )}
      {error && (
        <ErrorBanner
          error={error}
          title={trans.__('The endpoint was not restarted')}
          onDismiss={() => setError(null)}
        />
      )}
    </>
  );
}
