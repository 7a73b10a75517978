import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a CDN adds to every origin request (CloudFront origin custom header) carrying ORIGIN_SECRET. */
export const ORIGIN_SECRET_HEADER = 'x-origin-secret';

/**
 * Whether a request may reach the origin: with a secret configured only requests through the edge (that
 * carry it, compared in constant time) may, except the health check and what streamers send straight to
 * the origin (RTMPT, told by `direct`). Without a secret everything may.
 */
export function createOriginGuard(secret: string | undefined, direct: (req: IncomingMessage) => boolean): (req: IncomingMessage) => boolean {
  if (secret === undefined) return () => true;
  const expected = crypto.createHash('sha256').update(secret).digest();
  return (req) => {
    if (req.url === '/healthz' || direct(req)) return true;
    const given = req.headers[ORIGIN_SECRET_HEADER];
    if (typeof given !== 'string') return false;
    return crypto.timingSafeEqual(crypto.createHash('sha256').update(given).digest(), expected);
  };
}
