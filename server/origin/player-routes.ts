import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ViewerCookies } from '../boxoffice/viewer-cookie.ts';
import { CHANNEL_NAME } from '../db/channel-repository.ts';
import { VIDEO_ID } from '../db/video-repository.ts';
import { sendError, writeBytes } from './http-reply.ts';

/** The player's files below `/assets/`: where each lives in the player folder and its type. */
const ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  'app.js': ['dist/app.js', 'text/javascript; charset=utf-8'],
  'app.js.map': ['dist/app.js.map', 'application/json'],
  'styles.css': ['styles.css', 'text/css; charset=utf-8'],
};

/**
 * Security headers of the player pages. The CSP allows what the player and hls.js need and nothing more:
 * its own script and styles, HLS and posters from the origin or PUBLIC_URL (a CDN), MSE's blob: media,
 * hls.js's blob: worker; no framing, no plugins, no inline script.
 */
export function playerSecurityHeaders(publicUrl: string): Record<string, string> {
  const media = `'self' ${new URL(publicUrl).origin}`;
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${media} data:`,
    `media-src ${media} blob:`,
    `connect-src ${media}`,
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin', // signed URLs never leave in a Referer header
    'x-frame-options': 'DENY',
    'cache-control': 'no-cache',
  };
}

/** The web player: `/` and `/watch/<id>` (the page; a viewer cookie on first visit) and its `/assets/*`. */
export function registerPlayerRoutes(app: FastifyInstance, deps: { playerDir: string; publicUrl: string; viewers: ViewerCookies; onWatch(req: FastifyRequest): Promise<void> }): void {
  const page = (): string => fs.readFileSync(path.join(deps.playerDir, 'index.html'), 'utf8');
  const headers = playerSecurityHeaders(deps.publicUrl);
  app.get('/', async (req, reply) => {
    deps.viewers.ensure(req, reply);
    return reply.headers(headers).type('text/html; charset=utf-8').send(page());
  });
  app.get<{ Params: { itemId: string } }>('/watch/:itemId', async (req, reply) => {
    // only names an item could have get the page; anything else (`../`, NUL, slashes) is a clear 404
    const id = req.params.itemId;
    if (!CHANNEL_NAME.test(id) && !VIDEO_ID.test(id)) return sendError(reply, 404, 'unknown_item', 'no such item');
    deps.viewers.ensure(req, reply);
    await deps.onWatch(req);
    return reply.headers(headers).type('text/html; charset=utf-8').send(page());
  });
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const asset = Object.hasOwn(ASSETS, req.params.file) ? ASSETS[req.params.file] : undefined;
    if (!asset) return sendError(reply, 404, 'not_found', 'no such asset');
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path.join(deps.playerDir, asset[0]));
    } catch {
      return sendError(reply, 503, 'player_not_built', 'the player is not built: run scripts/build-player.sh (npm start does)');
    }
    const etag = `"${crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 16)}"`;
    reply.hijack();
    writeBytes(req.raw, reply.raw, bytes, etag, asset[1], 'no-cache');
  });
}
