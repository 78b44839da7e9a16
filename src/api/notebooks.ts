/**
 * REST call that writes an example notebook.
 */
import { ServerConnection } from '@jupyterlab/services';

import { ICreateNotebookRequest, INotebookCreated } from './types';
import { jsonInit, requestApi } from './request';

/** `POST /notebooks`: write an example notebook for one step into the Jupyter root (201 `{path}`). */
export function createNotebook(
  settings: ServerConnection.ISettings,
  body: ICreateNotebookRequest
): Promise<INotebookCreated> {
  return requestApi<INotebookCreated>(
    settings,
    '/notebooks',
    jsonInit('POST', body)
  );
}
