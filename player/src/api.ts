/** A catalog entry as `/api/catalog` returns it. */
export interface Item {
  readonly id: string;
  readonly kind: 'live' | 'vod';
  readonly title: string;
  readonly free: boolean;
  readonly priceCents: number;
  readonly currency: string;
  readonly online?: boolean;
  readonly durationSec?: number;
  readonly posterUrl?: string;
  /** When this viewer's purchase ends (ISO), if they have one. */
  readonly accessUntil?: string;
}

/** What `/api/playback/<id>` answers (`dvrUrl`: the DVR master of a live item, when the origin keeps one; `llUrl`: its LL-HLS master). */
export type Playback =
  | { kind: 'ok'; url: string; expiresAt: string | null; dvrUrl?: string; llUrl?: string }
  | { kind: 'payment_required'; accessHours: number }
  | { kind: 'unknown' };

/** The network failed or the server erred: worth a retry. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    const res = await fetch(url, { credentials: 'same-origin', ...init });
    if (res.status >= 500) throw new NetworkError(`the server answered ${res.status}`);
    return res;
  } catch (e) {
    throw e instanceof NetworkError ? e : new NetworkError((e as Error).message);
  }
}

/** The catalog, and whether the origin mails sign-in links. */
export async function fetchCatalogInfo(): Promise<{ items: Item[]; emailLinks: boolean }> {
  const res = await request('/api/catalog');
  const body = (await res.json()) as { items: Item[]; emailLinks?: boolean };
  return { items: body.items, emailLinks: body.emailLinks === true };
}

/** The catalog. */
export const fetchCatalog = async (): Promise<Item[]> => (await fetchCatalogInfo()).items;

/** A pairing code for another device, its `/pair` link and that link's QR code (SVG). */
export interface Pairing {
  readonly code: string;
  readonly expiresAt: string;
  readonly pairUrl: string;
  readonly qrSvg: string;
}

/** An answer of the device API: what it gave, or its error's words. */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: string; message: string };

async function post<T>(url: string, body: unknown): Promise<Answer<T>> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  return res.ok ? { ok: true, value: json } : { ok: false, error: json.error ?? String(res.status), message: json.message ?? `the server answered ${res.status}` };
}

/** Asks for a pairing code for what this browser has access to. */
export const requestPairing = (): Promise<Answer<Pairing>> => post('/api/devices/pairing', {});

/** Adds this browser to the purchases a pairing code or an emailed link's token opens; `items` are the ids it opened. */
export const claimDevice = (secret: { code: string } | { token: string }): Promise<Answer<{ items: string[]; full: string[] }>> => post('/api/devices/claim', secret);

/** Asks for a sign-in link mailed to the address a purchase was paid with. */
export const emailSignInLink = (email: string): Promise<Answer<{ message: string }>> => post('/api/devices/email', { email });

/** A playback URL for an item, or why not; `url`: the path-token link for players without variable substitution (VLC). */
export async function fetchPlayback(itemId: string, player?: 'url'): Promise<Playback> {
  const res = await request(`/api/playback/${encodeURIComponent(itemId)}${player ? `?player=${player}` : ''}`);
  if (res.status === 404) return { kind: 'unknown' };
  const body = (await res.json()) as { url: string; expiresAt: string | null; accessHours: number; dvrUrl?: string; llUrl?: string };
  if (res.status === 402) return { kind: 'payment_required', accessHours: body.accessHours };
  return { kind: 'ok', url: body.url, expiresAt: body.expiresAt, ...(typeof body.dvrUrl === 'string' ? { dvrUrl: body.dvrUrl } : {}), ...(typeof body.llUrl === 'string' ? { llUrl: body.llUrl } : {}) };
}

/** Starts a checkout and returns where to send the viewer. */
export async function startCheckout(itemId: string): Promise<string> {
  const res = await request('/api/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ itemId }) });
  const body = (await res.json()) as { url?: string; message?: string };
  if (!res.ok || !body.url) throw new Error(body.message ?? `checkout failed (${res.status})`);
  return body.url;
}
