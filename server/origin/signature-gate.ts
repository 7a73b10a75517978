import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookies, refusalXml, type Verdict, type Verifier } from '../signing/verifier.ts';

/** The first value of a possibly repeated, comma-separated header. */
function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/** The URL a viewer asked for: scheme and Host (X-Forwarded-* only behind a trusted proxy) and the raw target. */
export function requestUrl(req: FastifyRequest, trustProxy: boolean): string {
  const encrypted = (req.raw.socket as { encrypted?: boolean }).encrypted === true;
  const scheme = (trustProxy && firstHeader(req.headers['x-forwarded-proto'])) || (encrypted ? 'https' : 'http');
  const host = (trustProxy && firstHeader(req.headers['x-forwarded-host'])) || req.headers.host || '';
  return `${scheme}://${host}${req.raw.url ?? '/'}`;
}

/** The viewer's address: the socket's, or the first X-Forwarded-For entry behind a trusted proxy. */
export function clientIp(req: FastifyRequest, trustProxy: boolean): string {
  return (trustProxy && firstHeader(req.headers['x-forwarded-for'])) || req.raw.socket.remoteAddress || '';
}

/** Checks a request's CloudFront signature (query first, then cookies). */
export function createSignatureGate(verifier: Verifier, trustProxy: boolean): (req: FastifyRequest) => Verdict {
  return (req) =>
    verifier.verifyRequest({
      url: requestUrl(req, trustProxy),
      cookies: parseCookies(req.headers.cookie),
      clientIp: clientIp(req, trustProxy),
    });
}

/** Answers a refused signature as CloudFront does: 403 with its XML error body, never cached. */
export function sendRefusal(reply: FastifyReply, verdict: Extract<Verdict, { ok: false }>): FastifyReply {
  return reply.code(403).header('cache-control', 'no-store').type('text/xml').send(refusalXml(verdict.code));
}
