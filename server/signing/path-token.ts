import { decodeCloudFrontBase64 } from './cloudfront-base64.ts';
import { parsePolicy } from './policy.ts';
import { queryPairs, SIGNING_PARAMS } from './signer.ts';

/**
 * The path form of a signed URL, for players without HLS variable substitution (VLC, ffplay, smart TVs):
 * `<folder>/s/<token>/<file>`, token = base64url of the signed URL's signing query (policy, signature, key
 * id). Relative URIs in the plain playlists inherit it, so every holder of one token reads the same bytes.
 */
const TOKEN = /^[A-Za-z0-9_-]{16,4096}$/;
/** What a decoded token may contain: a query of CloudFront's URL-safe base64 values. */
const QUERY = /^[A-Za-z0-9_~=&.%-]+$/;
/** `/live/<channel>/s/<token>` or `/vod/<video>/s/<token>` at the start of a path. */
const TOKEN_PATH = /^\/(?:live|vod)\/[^/]+\/s\//;

/** Whether a request target carries a path token. */
export const hasPathToken = (target: string): boolean => TOKEN_PATH.test(target);

/** The path segments below an item (`/live/<channel>/…`, `/vod/<video>/…`) without a leading `s/<token>`, and the token. */
export function tokenSegments(after: readonly string[]): { token: string | undefined; rest: readonly string[] } {
  return after[0] === 's' ? { token: after[1], rest: after.slice(2) } : { token: undefined, rest: after };
}

/** The token of a signed URL: its signing parameters, in order, base64url-encoded. */
export function pathTokenOf(signedUrl: string): string {
  const query = queryPairs(signedUrl).filter(([k]) => SIGNING_PARAMS.has(k)).map(([k, v]) => `${k}=${v}`).join('&');
  return Buffer.from(query, 'latin1').toString('base64url');
}

/** `<folderUrl>/s/<token>/<file>`: the path form of a signed URL (`file` is the plain playlist, e.g. `master.m3u8`). */
export function pathTokenUrl(signedUrl: string, folderUrl: string, file: string): string {
  return `${folderUrl}/s/${pathTokenOf(signedUrl)}/${file}`;
}

/** A path with its token taken out: where it points (`path`, no query) and the signing query the token carries. */
export interface PathToken {
  readonly path: string;
  readonly query: string;
}

/**
 * Splits a path (`/live/<channel>/s/<token>/<file>`, any query ignored) into the path without the token and
 * the token's query; undefined when the path has no token; `malformed` when the token does not decode.
 */
export function splitPathToken(path: string): PathToken | 'malformed' | undefined {
  const head = TOKEN_PATH.exec(path)?.[0];
  if (!head) return undefined;
  const end = path.indexOf('/', head.length);
  if (end < 0) return 'malformed';
  const token = path.slice(head.length, end);
  if (!TOKEN.test(token)) return 'malformed';
  const query = Buffer.from(token, 'base64url').toString('latin1');
  if (!QUERY.test(query)) return 'malformed';
  const q = path.indexOf('?', end);
  return { path: head.slice(0, -2) + path.slice(end + 1, q < 0 ? undefined : q), query };
}

/** Seconds until a path token's policy expires (`now` in ms); undefined when it cannot be read (the check refuses it anyway). */
export function tokenSecondsLeft(token: string, now: number): number | undefined {
  const pairs = queryPairs(`?${Buffer.from(token, 'base64url').toString('latin1')}`);
  const policy = pairs.find(([k]) => k === 'Policy')?.[1];
  const expires = pairs.find(([k]) => k === 'Expires')?.[1];
  const decoded = policy === undefined ? undefined : decodeCloudFrontBase64(policy);
  const until = decoded ? parsePolicy(decoded.toString('utf8'))?.dateLessThan : expires === undefined ? undefined : Number(expires);
  return until === undefined || !Number.isFinite(until) ? undefined : until - now / 1000;
}
