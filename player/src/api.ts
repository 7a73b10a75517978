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

/** What `/api/playback/<id>` answers (`dvrUrl`: the DVR master of a live item, when the origin keeps one). */
export type Playback =
  | { kind: 'ok'; url: string; expiresAt: string | null; dvrUrl?: string }
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

/** The catalog. */
export async function fetchCatalog(): Promise<Item[]> {
  const res = await request('/api/catalog');
  return ((await res.json()) as { items: Item[] }).items;
}

/** A playback URL for an item, or why not; `url`: the path-token link for players without variable substitution (VLC). */
export async function fetchPlayback(itemId: string, player?: 'url'): Promise<Playback> {
  const res = await request(`/api/playback/${encodeURIComponent(itemId)}${player ? `?player=${player}` : ''}`);
  if (res.status === 404) return { kind: 'unknown' };
  const body = (await res.json()) as { url: string; expiresAt: string | null; accessHours: number; dvrUrl?: string };
  if (res.status === 402) return { kind: 'payment_required', accessHours: body.accessHours };
  return { kind: 'ok', url: body.url, expiresAt: body.expiresAt, ...(typeof body.dvrUrl === 'string' ? { dvrUrl: body.dvrUrl } : {}) };
}

/** Starts a checkout and returns where to send the viewer. */
export async function startCheckout(itemId: string): Promise<string> {
  const res = await request('/api/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ itemId }) });
  const body = (await res.json()) as { url?: string; message?: string };
  if (!res.ok || !body.url) throw new Error(body.message ?? `checkout failed (${res.status})`);
  return body.url;
}
