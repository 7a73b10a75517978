/** Cache-Control for immutable segments: a year, never revalidated (each URL's content never changes). */
export const SEGMENT_CACHE = 'public, max-age=31536000, immutable';

/** Cache-Control for a live media playlist: at most half a segment, so a CDN never serves a stale edge. */
export function mediaPlaylistCache(segmentSeconds: number, ended: boolean): string {
  if (ended) return 'public, max-age=2';
  return `public, max-age=${Math.max(0, Math.floor(segmentSeconds / 2))}`;
}

/** Cache-Control for a live master playlist: a few seconds (it changes only when a session starts). */
export const MASTER_CACHE = 'public, max-age=5';

/**
 * Cache-Control no longer than `seconds` (a path token's remaining lifetime: a CDN caches token paths by path,
 * so nothing may outlive the token there); unchanged when `seconds` is undefined.
 */
export function capMaxAge(cacheControl: string, seconds: number | undefined): string {
  if (seconds === undefined) return cacheControl;
  const m = /max-age=(\d+)/.exec(cacheControl);
  const limit = Math.max(0, Math.floor(seconds));
  if (!m || Number(m[1]) <= limit) return cacheControl;
  return cacheControl.replace(m[0], `max-age=${limit}`).replace(', immutable', '');
}

/** Cache-Control for errors: never cached, so a channel going on air is seen at once. */
export const NO_STORE = 'no-store';

/** True when an If-None-Match header matches the ETag (weak comparison, lists and `*` allowed). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

/** A satisfiable byte range, or why not. */
export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/** Parses a single `Range: bytes=…` header against a body size; multiple ranges are served in full. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
