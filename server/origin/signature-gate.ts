import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasPathToken } from '../signing/path-token.ts';
import { parseCookies, refusalXml, type Verdict, type Verifier } from '../signing/verifier.ts';

/** The first value of a possibly repeated, comma-separated header. */
function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/** The scheme a viewer used: X-Forwarded-Proto behind a trusted proxy, else the socket's. */
export function requestScheme(req: IncomingMessage, trustProxy: boolean): string {
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return (trustProxy && firstHeader(req.headers['x-forwarded-proto'])?.toLowerCase()) || (encrypted ? 'https' : 'http');
}

/** The URL a viewer asked for: scheme and Host (X-Forwarded-* only behind a trusted proxy) and the raw target. */
export function requestUrl(req: IncomingMessage, trustProxy: boolean): string {
  const scheme = requestScheme(req, trustProxy);
  const host = (trustProxy && firstHeader(req.headers['x-forwarded-host'])) || req.headers.host || '';
  return `${scheme}://${host}${req.url ?? '/'}`;
}

/**
 * The viewer's address: the socket's, or behind a trusted proxy the last X-Forwarded-For entry, the one the
 * proxy itself added (CloudFront and load balancers append the address they saw to whatever the viewer sent).
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  return (trustProxy && lastForwardedFor(req.headers['x-forwarded-for'])) || req.socket.remoteAddress || '';
}

/** The last address of a possibly repeated X-Forwarded-For header. */
export function lastForwardedFor(value: string | string[] | undefined): string | undefined {
  const all = (Array.isArray(value) ? value.join(',') : value ?? '').split(',');
  return all.at(-1)?.trim() || undefined;
}

/**
 * Checks a request's CloudFront signature (query first, then cookies, or a path token). A path token was
 * issued for PUBLIC_URL and is checked against it: behind a CDN the origin does not see the viewer's host.
 */
export function createSignatureGate(verifier: Verifier, trustProxy: boolean, publicUrl: string): (req: IncomingMessage) => Verdict {
  return (req) =>
    verifier.verifyRequest({
      url: hasPathToken(req.url ?? '') ? `${publicUrl}${req.url}` : requestUrl(req, trustProxy),
      get cookies() {
        return parseCookies(req.headers.cookie);
      },
      clientIp: clientIp(req, trustProxy),
    });
}

/** Answers a refused signature as CloudFront does: 403 with its XML error body, never cached. */
export function writeRefusal(res: ServerResponse, verdict: Extract<Verdict, { ok: false }>): void {
  const body = refusalXml(verdict.code);
  res.writeHead(403, { 'content-type': 'text/xml', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
