import type { IncomingMessage } from 'node:http';
import { lastForwardedFor } from '../origin/signature-gate.ts';
import { parseCookies, type Verdict, type Verifier } from '../signing/verifier.ts';

/** Path prefixes the CloudFront template puts behind the trusted key group (its `/live/*` and `/vod/*` behaviours). */
export const SIGNED_PREFIXES = ['/live/', '/vod/'] as const;

/** Video posters, public in the catalog (the CloudFront template's poster behaviour has no key group). */
const POSTER = /^\/vod\/[^/]+\/(?:[^/]+\/)?poster\.jpg$/;

/** What the edge asks about one viewer request (nginx's auth_request subrequest headers). */
export interface EdgeRequest {
  /** The viewer's request target, query included (`X-Original-URI`). */
  readonly uri: string;
  /** Scheme and host the viewer used (`X-Forwarded-Proto`, `X-Forwarded-Host`). */
  readonly scheme: string;
  readonly host: string;
  readonly cookieHeader: string | undefined;
  readonly clientIp: string;
}

/**
 * The check CloudFront makes at the edge for a behaviour with trusted key groups, with the origin's own
 * verifier: every request below a signed prefix needs a valid signed URL or signed cookies, whatever the
 * item's price (CloudFront cannot tell free from paid; behind it the box office signs free items too).
 * `public` for paths outside the signed behaviours.
 */
export function checkEdgeRequest(verifier: Verifier, req: EdgeRequest): Verdict | 'public' {
  const path = req.uri.split('?')[0] ?? '';
  if (!SIGNED_PREFIXES.some((p) => path.startsWith(p)) || POSTER.test(path)) return 'public';
  return verifier.verifyRequest({
    url: `${req.scheme}://${req.host}${req.uri}`,
    get cookies() {
      return parseCookies(req.cookieHeader);
    },
    clientIp: req.clientIp,
  });
}

/** Reads an EdgeRequest from the headers nginx's auth_request subrequest carries. */
export function edgeRequestOf(req: IncomingMessage): EdgeRequest | undefined {
  const one = (name: string): string | undefined => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
  };
  const uri = one('x-original-uri');
  const host = one('x-forwarded-host');
  if (!uri?.startsWith('/') || !host) return undefined;
  return { uri, scheme: one('x-forwarded-proto') ?? 'http', host, cookieHeader: req.headers.cookie, clientIp: lastForwardedFor(req.headers['x-forwarded-for']) ?? '' };
}
