/**
 * The one request helper: every call to /hpc/api goes through Jupyter's ServerConnection,
 * so the browser's Jupyter credentials (token, cookie, XSRF) are used and nothing else.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  HPCRequestError,
  parseError,
  type IRequester,
  type IRequestInit
} from './service';

/** The API's root below the server's base URL. */
export const API_ROOT = 'hpc/api';

/**
 * A requester that calls /hpc/api with the given server settings.
 *
 * @param settings The Lab's `serviceManager.serverSettings`.
 */
export function serverRequester(
  settings: ServerConnection.ISettings
): IRequester {
  return {
    async request(endPoint: string, init: IRequestInit = {}) {
      const url = URLExt.join(settings.baseUrl, API_ROOT, endPoint);
      const headers: Record<string, string> = {};
      let body: BodyInit | undefined;
      if (init.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(init.json);
      }
      Object.assign(headers, init.headers ?? {});
      let response: Response;
      try {
        response = await ServerConnection.makeRequest(
          url,
          { method: init.method ?? 'GET', headers, body },
          settings
        );
      } catch (error) {
        throw new HPCRequestError(0, null, String(error));
      }
      // A 304 answers a conditional request: the caller's copy is current.
      const unchanged =
        response.status === 304 && 'If-None-Match' in (init.headers ?? {});
      if (!response.ok && !unchanged) {
        throw await errorFrom(response);
      }
      return response;
    },

    upload(endPoint, data, onProgress) {
      // fetch() reports no upload progress; XMLHttpRequest does. It carries the same
      // credentials ServerConnection would: the token header and the XSRF cookie's value.
      const url = URLExt.join(settings.baseUrl, API_ROOT, endPoint);
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('PUT', url);
        xhr.withCredentials = true;
        if (settings.token) {
          xhr.setRequestHeader('Authorization', `token ${settings.token}`);
        }
        const xsrf = cookie('_xsrf');
        if (xsrf) {
          xhr.setRequestHeader('X-XSRFToken', xsrf);
        }
        xhr.setRequestHeader('Content-Type', 'application/octet-stream');
        xhr.upload.onprogress = event => {
          if (event.lengthComputable) {
            onProgress(event.loaded, event.total);
          }
        };
        xhr.onload = () => {
          if (xhr.status >= 200 && xhr.status < 300) {
            resolve(JSON.parse(xhr.responseText));
          } else {
            reject(parseError(xhr.status, xhr.responseText));
          }
        };
        xhr.onerror = () =>
          reject(new HPCRequestError(0, null, 'network error'));
        xhr.onabort = () => reject(new HPCRequestError(0, null, 'aborted'));
        xhr.send(data);
      });
    }
  };
}

function cookie(name: string): string | undefined {
  const match = document.cookie.match(`\\b${name}=([^;]*)\\b`);
  return match ? match[1] : undefined;
}

async function errorFrom(response: Response): Promise<HPCRequestError> {
  return parseError(response.status, await response.text());
}
