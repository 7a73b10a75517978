import type { IncomingMessage } from 'node:http';

/** Characters of a signature or cookie kept as a viewer's key: enough to tell viewers apart, little memory. */
const KEY_CHARS = 24;

/** The value after `name=` in `text`, up to `;` or `&`, cut to KEY_CHARS; undefined when absent. */
function valueAfter(text: string | undefined, name: string): string | undefined {
  const at = text?.indexOf(name) ?? -1;
  if (at < 0) return undefined;
  const start = at + name.length;
  const value = text!.slice(start, start + KEY_CHARS);
  const end = value.search(/[;&]/);
  return end < 0 ? value : value.slice(0, end);
}

/**
 * Who a playlist or segment request is from, cheaply (this runs on the HLS hot path): the CloudFront
 * signature in the query or the signed cookie, else the viewer cookie, else address and user agent.
 */
export function viewerKey(req: IncomingMessage): string {
  const cookie = req.headers.cookie;
  return (
    valueAfter(req.url, 'Signature=') ??
    valueAfter(cookie, 'CloudFront-Signature=') ??
    valueAfter(cookie, 'bo_viewer=') ??
    `${req.socket.remoteAddress ?? ''} ${(req.headers['user-agent'] ?? '').slice(0, 80)}`
  );
}

/**
 * Concurrent viewers per item: the distinct viewers whose requests arrived within `windowMs`, from playlist
 * reloads (live) and segment requests (VOD). Each item keeps at most `maxPerItem` keys, the first seen dropped first.
 */
export function createViewersNow(opts: { windowMs: number; maxPerItem: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  /** Per item, viewer key → last seen (a reload only updates the time: no re-insertion on the hot path). */
  const items = new Map<string, Map<string, number>>();
  const sweep = (seen: Map<string, number>, t: number): void => {
    for (const [key, at] of seen) if (t - at >= opts.windowMs) seen.delete(key);
  };
  return {
    /** Notes a request of `itemId` from the viewer `key`. */
    seen(itemId: string, key: string): void {
      let seen = items.get(itemId);
      if (!seen) items.set(itemId, (seen = new Map()));
      const fresh = !seen.has(key);
      seen.set(key, now());
      // past the bound the viewer seen first goes: memory stays bounded whatever the keys
      if (fresh && seen.size > opts.maxPerItem) seen.delete(seen.keys().next().value!);
    },
    /** Viewers of one item now. */
    count(itemId: string): number {
      const seen = items.get(itemId);
      if (!seen) return 0;
      sweep(seen, now());
      if (seen.size === 0) items.delete(itemId);
      return seen.size;
    },
    /** Viewers now of every item watched within the window. */
    all(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const id of [...items.keys()]) {
        const n = this.count(id);
        if (n > 0) counts.set(id, n);
      }
      return counts;
    },
  };
}

/** The viewer counter. */
export type ViewersNow = ReturnType<typeof createViewersNow>;
