import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ViewerCookies } from '../boxoffice/viewer-cookie.ts';
import { CHANNEL_NAME } from '../db/channel-repository.ts';
import { VIDEO_ID } from '../db/video-repository.ts';
import { sendError } from './http-reply.ts';
import { createStaticBundle } from './static-bundle.ts';

/** A built player file's name: the bundle or its styles, content-hashed by esbuild, or a source map of one. */
const HASHED_ASSET = /^(app|styles)\.[A-Z0-9]{8}\.(js|css)(\.map)?$/;

/** The player pages name the current build; a CDN may keep one for a minute, a browser revalidates. */
const PAGE_CACHE = 'public, max-age=60, must-revalidate';

/**
 * The player pages' CSP (for @fastify/helmet): what the player and hls.js need and nothing more: its own
 * script and styles, HLS and posters from the origin or PUBLIC_URL (a CDN), MSE's blob: media, hls.js's
 * blob: worker; no framing, no plugins, no inline script.
 */
export function playerCsp(publicUrl: string): Record<string, string[]> {
  const media = ["'self'", new URL(publicUrl).origin];
  return {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: [...media, 'data:'],
    mediaSrc: [...media, 'blob:'],
    connectSrc: media,
    workerSrc: ["'self'", 'blob:'],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
}

/** The web player: `/`, `/watch/<id>`, `/pair` and `/signin` (the page; a viewer cookie on first visit) and its `/assets/*`. */
export function registerPlayerRoutes(app: FastifyInstance, deps: { playerDir: string; publicUrl: string; viewers: ViewerCookies; onWatch(req: FastifyRequest): Promise<void> }): void {
  const bundle = createStaticBundle({ dir: deps.playerDir, hashed: HASHED_ASSET, prefix: '/assets/', buildHint: 'the player is not built: run scripts/build-player.sh (npm start does)' });
  const page = { config: { helmet: { contentSecurityPolicy: { useDefaults: false, directives: playerCsp(deps.publicUrl) } } } };
  /** Gives a first-time visitor their viewer cookie; the answer may then be shared by a cache only when it set none. */
  const cacheControl = (req: FastifyRequest, reply: FastifyReply): string => {
    if (deps.viewers.read(req) !== undefined) return PAGE_CACHE;
    deps.viewers.ensure(req, reply); // reads the cookie again only on a first visit
    return 'private, no-cache';
  };
  // `/pair` (a code from another device, typed or from its QR) and `/signin` (an emailed link) carry their secret after `#`
  for (const route of ['/', '/pair', '/signin']) {
    app.get(route, page, async (req, reply) => {
      return reply.header('cache-control', cacheControl(req, reply)).type('text/html; charset=utf-8').send(bundle.page());
    });
  }
  app.get<{ Params: { itemId: string } }>('/watch/:itemId', page, async (req, reply) => {
    // only names an item could have get the page; anything else (`../`, NUL, slashes) is a clear 404
    const id = req.params.itemId;
    if (!CHANNEL_NAME.test(id) && !VIDEO_ID.test(id)) return sendError(reply, 404, 'unknown_item', 'no such item');
    const cache = cacheControl(req, reply);
    await deps.onWatch(req);
    return reply.header('cache-control', cache).type('text/html; charset=utf-8').send(bundle.page());
  });
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => bundle.serve(req, reply, req.params.file));
}
