import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Button, refreshIcon } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useState } from 'react';

import { ApiRequestError, toApiRequestError } from '../api/client';
import { ILocalStorage, IStorageItem } from '../api/types';
import { usePanelServices } from '../context';
import { formatBytes } from '../models/format';
import { ErrorBanner } from './ErrorBanner';

/** The key of an item in the listing (kind and id together are unique). */
function itemKey(item: IStorageItem): string {
  return `${item.kind}/${item.id}`;
}

/**
 * "Local storage": what the server keeps on this machine's disk (`GET /storage`) with sizes, and Delete for
 * what nothing uses. The server decides what may be deleted: Delete is offered when it says `deletable` and
 * lists no user, and its 409 (a job or endpoint started meanwhile) is shown as it comes.
 */
export function LocalStorageList(): JSX.Element {
  const { api, settings, trans } = usePanelServices();
  const [storage, setStorage] = useState<ILocalStorage | null>(null);
  const [loadError, setLoadError] = useState<ApiRequestError | null>(null);
  const [deleteError, setDeleteError] = useState<ApiRequestError | null>(null);
  const [loading, setLoading] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);

  const refresh = useCallback(async (): Promise<void> => {
    setLoading(true);
    try {
      setStorage(await api.listLocalStorage());
      setLoadError(null);
    } catch (reason) {
      setLoadError(toApiRequestError(reason));
    } finally {
      setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const remove = async (item: IStorageItem): Promise<void> => {
    if (deleting !== null) {
      return;
    }
    if (settings.values.confirmDelete) {
      const result = await showDialog({
        title: trans.__('Delete from local storage'),
        body: trans.__(
          'Delete the %1 (%2) from %3? This cannot be undone.',
          item.label,
          formatBytes(item.bytes),
          item.path
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Delete') })
        ]
      });
      if (!result.button.accept) {
        return;
      }
    }
    setDeleting(itemKey(item));
    setDeleteError(null);
    try {
      setStorage(await api.deleteLocalStorage(item.kind, item.id));
    } catch (reason) {
      setDeleteError(toApiRequestError(reason));
      void refresh();
    } finally {
      setDeleting(null);
    }
  };

  const items = storage?.items ?? [];
  return (
    <section
      className="jp-LlamaNeuron-storage"
      aria-label={trans.__('Local storage')}
      data-testid="llama-neuron-local-storage"
    >
      <div className="jp-LlamaNeuron-toolbar">
        <h3 className="jp-LlamaNeuron-section-title">
          {trans.__('Local storage')}
        </h3>
        {storage && (
          <span
            className="jp-LlamaNeuron-muted"
            data-testid="llama-neuron-storage-total"
          >
            {trans.__(
              '%1 in %2',
              formatBytes(storage.total_bytes),
              storage.data_dir
            )}
          </span>
        )}
        <Button
          small
          minimal
          aria-label={trans.__('Refresh local storage')}
          title={trans.__('Refresh local storage')}
          disabled={loading}
          onClick={() => void refresh()}
        >
          <refreshIcon.react tag="span" elementPosition="center" />
          <span>{trans.__('Refresh')}</span>
        </Button>
      </div>
      {loadError && (
        <ErrorBanner
          error={loadError}
          title={trans.__('Could not list local storage')}
          onRetry={() => void refresh()}
        />
      )}
      {deleteError && (
        <ErrorBanner
          error={deleteError}
          title={trans.__('Nothing was deleted')}
          onDismiss={() => setDeleteError(null)}
        />
      )}
      {storage && items.length === 0 && (
        <p className="jp-LlamaNeuron-muted">
          {trans.__('Nothing is stored on this machine.')}
        </p>
      )}
      {items.length > 0 && (
        <table className="jp-LlamaNeuron-storage-table">
          <thead>
            <tr>
              <th scope="col">{trans.__('Item')}</th>
              <th scope="col">{trans.__('Size')}</th>
              <th scope="col">{trans.__('Used by')}</th>
              <th scope="col">
                <span className="jp-LlamaNeuron-sr-only">
                  {trans.__('Actions')}
                </span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map(item => {
              const key = itemKey(item);
              const inUse = item.in_use_by.length > 0;
              const why = !item.deletable
                ? trans.__(
                    'Kept by the server: local deploys and training need it.'
                  )
                : inUse
                  ? trans.__(
                      'In use by %1: delete those first.',
                      item.in_use_by.join(', ')
                    )
                  : trans.__('Delete the %1', item.label);
              return (
                <tr key={key} data-storage-item={key}>
                  <td title={item.path}>{item.label}</td>
                  <td>{formatBytes(item.bytes)}</td>
                  <td>{inUse ? item.in_use_by.join(', ') : '—'}</td>
                  <td>
                    <Button
                      small
                      className="jp-mod-styled jp-mod-warn"
                      aria-label={why}
                      title={why}
                      disabled={!item.deletable || inUse || deleting !== null}
                      onClick={() => void remove(item)}
                    >
                      {deleting === key
                        ? trans.__('Deleting…')
                        : trans.__('Delete')}
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
