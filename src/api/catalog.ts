/**
 * REST calls of the status, the catalog and the licence: one typed function per endpoint.
 */
import { ServerConnection } from '@jupyterlab/services';

import { IEulaRecord, IModelCard, IModelList, IStatus } from './types';
import { jsonInit, requestApi, segment } from './request';

/** `GET /status`: active backend, identity, local model readiness. */
export function getStatus(
  settings: ServerConnection.ISettings
): Promise<IStatus> {
  return requestApi<IStatus>(settings, '/status');
}

/** `GET /models`: the catalog. */
export function listModels(
  settings: ServerConnection.ISettings
): Promise<IModelList> {
  return requestApi<IModelList>(settings, '/models');
}

/** `GET /models/{id}`: the model card. */
export function getModel(
  settings: ServerConnection.ISettings,
  modelId: string
): Promise<IModelCard> {
  return requestApi<IModelCard>(settings, `/models/${segment(modelId)}`);
}

/** `POST /models/{id}/eula`: record the acceptance of the Llama 2 licence and AUP. */
export function acceptEula(
  settings: ServerConnection.ISettings,
  modelId: string,
  sameLicense = false
): Promise<IEulaRecord> {
  return requestApi<IEulaRecord>(
    settings,
    `/models/${segment(modelId)}/eula`,
    jsonInit(
      'POST',
      sameLicense ? { accept: true, same_license: true } : { accept: true }
    )
  );
}
