import http from 'node:http';
import type { Logger } from '../log.ts';
import type { Verifier } from '../signing/verifier.ts';
import { checkEdgeRequest, edgeRequestOf } from './edge-check.ts';

/**
 * The edge's signature check as an HTTP service for a caching proxy's `auth_request`: 204 lets the
 * request through to the cache, 403 refuses it (the proxy answers the viewer with CloudFront's XML body,
 * code in `X-Edge-Refusal`), 400 when the proxy did not say what was asked.
 */
export function createCheckService(verifier: Verifier, log: Logger): http.Server {
  return http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const edge = edgeRequestOf(req);
    if (!edge) {
      log.warn('edge check without X-Original-URI and X-Forwarded-Host: is the proxy configured?');
      res.writeHead(400, { 'content-length': 0 }).end();
      return;
    }
    const verdict = checkEdgeRequest(verifier, edge);
    if (verdict === 'public' || verdict.ok) res.writeHead(204).end();
    else res.writeHead(403, { 'x-edge-refusal': verdict.code, 'content-length': 0 }).end();
  });
}
