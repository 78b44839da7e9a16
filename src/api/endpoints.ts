/**
 * REST calls of endpoints and the cost guard: one typed function per endpoint.
 */
import { ServerConnection } from '@jupyterlab/services';

import {
  ICostGuard,
  ICreateEndpointRequest,
  IDeleteEndpointResponse,
  IEndpoint,
  IEndpointList
} from './types';
import { jsonInit, requestApi, segment } from './request';

/** `GET /endpoints`: the endpoints this extension created. */
export function listEndpoints(
  settings: ServerConnection.ISettings
): Promise<IEndpointList> {
  return requestApi<IEndpointList>(settings, '/endpoints');
}

/** `POST /endpoints`: start creating an endpoint (202). */
export function createEndpoint(
  settings: ServerConnection.ISettings,
  body: ICreateEndpointRequest
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(settings, '/endpoints', jsonInit('POST', body));
}

/** `GET /endpoints/{name}` */
export function getEndpoint(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(settings, `/endpoints/${segment(name)}`);
}

/** `DELETE /endpoints/{name}`: delete the endpoint, its endpoint config and model. */
export function deleteEndpoint(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IDeleteEndpointResponse> {
  return requestApi<IDeleteEndpointResponse>(
    settings,
    `/endpoints/${segment(name)}`,
    { method: 'DELETE' }
  );
}

/** `POST /endpoints/{name}/restart`: start a Failed endpoint again (202, Creating); only offered when its
 * `actions` include `restart`. */
export function restartEndpoint(
  settings: ServerConnection.ISettings,
  name: string
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(
    settings,
    `/endpoints/${segment(name)}/restart`,
    { method: 'POST' }
  );
}

/** `GET /cost-guard`: hourly burn, idle times, auto-delete warnings and deletions. */
export function getCostGuard(
  settings: ServerConnection.ISettings
): Promise<ICostGuard> {
  return requestApi<ICostGuard>(settings, '/cost-guard');
}

/** `PUT /endpoints/{name}/auto-delete`: idle minutes (0 never, null = the server default). */
export function setEndpointAutoDelete(
  settings: ServerConnection.ISettings,
  name: string,
  idleMinutes: number | null
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(
    settings,
    `/endpoints/${segment(name)}/auto-delete`,
    jsonInit('PUT', { idle_minutes: idleMinutes })
  );
}

/** `POST /endpoints/{name}/keep`: no auto-delete for `minutes` (default: the endpoint's limit). */
export function keepEndpoint(
  settings: ServerConnection.ISettings,
  name: string,
  minutes?: number
): Promise<IEndpoint> {
  return requestApi<IEndpoint>(
    settings,
    `/endpoints/${segment(name)}/keep`,
    jsonInit('POST', minutes === undefined ? {} : { minutes })
  );
}
