import type { FastifyInstance } from 'fastify';
import { createStaticBundle } from './static-bundle.ts';

/** A built console file's name: the bundle or its styles, content-hashed by esbuild, or a source map of one. */
const HASHED_ASSET = /^console\.[A-Z0-9]{8}\.(js|css)(\.map)?$/;

/** The console's pages: one page, the path picks the view in the browser. */
const PAGES = ['/admin', '/admin/channels', '/admin/videos', '/admin/sales', '/admin/health'];

/** The console's CSP: its own script, styles and API, thumbnails and posters from the origin; nothing inline, no framing. */
const CONSOLE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The operator console: its pages (never cached: they belong to whoever is signed in) and `/admin/assets/*`. */
export function registerConsoleRoutes(app: FastifyInstance, deps: { consoleDir: string }): void {
  const bundle = createStaticBundle({ dir: deps.consoleDir, hashed: HASHED_ASSET, prefix: '/admin/assets/', buildHint: 'the console is not built: run scripts/build-player.sh (npm start does)' });
  const page = { config: { helmet: { contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP } } } };
  for (const route of PAGES) {
    app.get(route, page, async (_req, reply) => reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(bundle.page()));
  }
  app.get<{ Params: { file: string } }>('/admin/assets/:file', async (req, reply) => bundle.serve(req, reply, req.params.file));
}
