/** The admin API refused: its HTTP status, error code, message for a person and the whole answer (e.g. `received`). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: number, readonly code: string, message: string, readonly body: Readonly<Record<string, unknown>>) {
    super(message);
  }
}

/** The request got no answer (network down, connection dropped). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** Whether trying again may work: no answer, or a server error. */
export const retryable = (e: unknown): boolean => e instanceof NetworkError || (e instanceof ApiError && e.status >= 500);

/** A method that changes something: it carries the CSRF token. */
export type ChangeMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The console's client of `/api/admin/*`, signed in by the session cookie and holding the CSRF token in memory. */
export interface Api {
  get<T>(path: string): Promise<T>;
  /** Sends JSON, or raw bytes when `body` is a Blob. */
  send<T>(method: ChangeMethod, path: string, body?: unknown): Promise<T>;
  /** Signs in with the admin token (an ApiError 401 when it is not the token). */
  signIn(token: string): Promise<void>;
  /** Picks up the session of an earlier sign-in (after a reload); false when there is none. */
  restore(): Promise<boolean>;
  signOut(): Promise<void>;
}

/** Creates the API client; `onSignedOut` runs when an answer says the session is gone (401). */
export function createApi(opts: { onSignedOut(): void }): Api {
  let csrf: string | undefined;
  const call = async <T>(method: 'GET' | ChangeMethod, path: string, body?: unknown, signingIn = false): Promise<T> => {
    const headers: Record<string, string> = {};
    if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
    let payload: BodyInit | undefined;
    if (body instanceof Blob) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      throw new NetworkError(`No answer from the server (${(e as Error).message}).`);
    }
    const json = res.status === 204 ? {} : ((await res.json().catch(() => ({}))) as Record<string, unknown>);
    if (res.ok) return json as T;
    if (res.status === 401 && !signingIn) {
      csrf = undefined;
      opts.onSignedOut();
    }
    const message = typeof json.message === 'string' ? json.message : `The server answered ${res.status}.`;
    throw new ApiError(res.status, typeof json.error === 'string' ? json.error : String(res.status), message, json);
  };
  return {
    get: (path) => call('GET', path),
    send: (method, path, body) => call(method, path, body),
    async signIn(token) {
      csrf = (await call<{ csrfToken: string }>('POST', '/api/admin/session', { token }, true)).csrfToken;
    },
    async restore() {
      try {
        csrf = (await call<{ csrfToken: string }>('GET', '/api/admin/session', undefined, true)).csrfToken;
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return false;
        throw e;
      }
    },
    async signOut() {
      try {
        await call('DELETE', '/api/admin/session');
      } finally {
        csrf = undefined;
      }
    },
  };
}
