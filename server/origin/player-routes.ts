import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ViewerCookies } from '../boxoffice/viewer-cookie.ts';
import { CHANNEL_NAME } from '../db/channel-repository.ts';
import { VIDEO_ID } from '../db/video-repository.ts';
import { sendError, writeBytes } from './http-reply.ts';

/** A built player file's name: the bundle or its styles, content-hashed by esbuild, or a source map of one. */
const HASHED_ASSET = /^(app|styles)\.[A-Z0-9]{8}\.(js|css)(\.map)?$/;

/** Content types of the player's files by extension. */
const TYPES: Readonly<Record<string, string>> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json' };

/** A content-hashed file never changes: a year, immutable (a new build is a new name, so no CDN invalidation). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The player pages name the current build; a CDN may keep one for a minute, a browser revalidates. */
const PAGE_CACHE = 'public, max-age=60, must-revalidate';

/** The built file names (`app.js` → `app.<hash>.js`) from player/dist/manifest.json; empty when the player is not built. */
export function readAssetManifest(playerDir: string): Readonly<Record<string, string>> {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(playerDir, 'dist', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(manifest).filter((e): e is [string, string] => typeof e[1] === 'string' && HASHED_ASSET.test(e[1])));
  } catch {
    return {};
  }
}

/** The page with `/assets/app.js` and `/assets/styles.css` pointed at the built, hashed files. */
export function renderPage(html: string, manifest: Readonly<Record<string, string>>): string {
  return html.replace(/\/assets\/(app\.js|styles\.css)/g, (whole, name: string) => (manifest[name] ? `/assets/${manifest[name]}` : whole));
}

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
  };
}

/** The web player: `/`, `/watch/<id>`, `/pair` and `/signin` (the page; a viewer cookie on first visit) and its `/assets/*`. */
export function registerPlayerRoutes(app: FastifyInstance, deps: { playerDir: string; publicUrl: string; viewers: ViewerCookies; onWatch(req: FastifyRequest): Promise<void> }): void {
  // read per request: a rebuilt player (a new manifest) is served without a restart
  const page = (): string => renderPage(fs.readFileSync(path.join(deps.playerDir, 'index.html'), 'utf8'), readAssetManifest(deps.playerDir));
  const headers = playerSecurityHeaders(deps.publicUrl);
  /** A page answer may be shared by a cache only when it sets no viewer cookie. */
  const cacheControl = (reply: FastifyReply): string => (reply.hasHeader('set-cookie') ? 'private, no-cache' : PAGE_CACHE);
  // `/pair` (a code from another device, typed or from its QR) and `/signin` (an emailed link) carry their secret after `#`
  for (const route of ['/', '/pair', '/signin']) {
    app.get(route, async (req, reply) => {
      deps.viewers.ensure(req, reply);
      return reply.headers(headers).header('cache-control', cacheControl(reply)).type('text/html; charset=utf-8').send(page());
    });
  }
  app.get<{ Params: { itemId: string } }>('/watch/:itemId', async (req, reply) => {
    // only names an item could have get the page; anything else (`../`, NUL, slashes) is a clear 404
    const id = req.params.itemId;
    if (!CHANNEL_NAME.test(id) && !VIDEO_ID.test(id)) return sendError(reply, 404, 'unknown_item', 'no such item');
    deps.viewers.ensure(req, reply);
    await deps.onWatch(req);
    return reply.headers(headers).header('cache-control', cacheControl(reply)).type('text/html; charset=utf-8').send(page());
  });
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const { file } = req.params;
    // the unhashed names (bookmarked or in an old page) answer with the current build, revalidated each time
    const manifest = readAssetManifest(deps.playerDir);
    const built = HASHED_ASSET.test(file) ? file : Object.hasOwn(manifest, file) ? manifest[file] : undefined;
    if (built === undefined) return sendError(reply, 404, 'not_found', 'no such asset');
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path.join(deps.playerDir, 'dist', built));
    } catch {
      return Object.keys(manifest).length === 0
        ? sendError(reply, 503, 'player_not_built', 'the player is not built: run scripts/build-player.sh (npm start does)')
        : sendError(reply, 404, 'not_found', 'no such asset');
    }
    const etag = `"${crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 16)}"`;
    reply.hijack();
    writeBytes(req.raw, reply.raw, bytes, etag, TYPES[built.slice(built.lastIndexOf('.') + 1)]!, built === file ? IMMUTABLE : 'no-cache');
  });
}
