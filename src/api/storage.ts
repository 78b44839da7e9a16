/**
 * REST calls for what the server keeps on this machine's disk (`/storage`).
 */
import { ServerConnection } from '@jupyterlab/services';

import { ILocalStorage, StorageKind } from './types';
import { requestApi, segment } from './request';

/** `GET /storage`: the converted model, datasets, training outputs, uploads and held-out rows, with sizes. */
export function listLocalStorage(
  settings: ServerConnection.ISettings
): Promise<ILocalStorage> {
  return requestApi<ILocalStorage>(settings, '/storage');
}

/** `DELETE /storage/{kind}/{id}`: 409 while a job or endpoint uses it; answers with the new listing. */
export function deleteLocalStorage(
  settings: ServerConnection.ISettings,
  kind: StorageKind,
  id: string
): Promise<ILocalStorage> {
  return requestApi<ILocalStorage>(
    settings,
    `/storage/${segment(kind)}/${segment(id)}`,
    { method: 'DELETE' }
  );
}
