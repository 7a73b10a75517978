import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError, writeBytes } from './http-reply.ts';

/** Content types of bundled files by extension. */
const TYPES: Readonly<Record<string, string>> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json' };

/** A content-hashed file never changes: a year, immutable (a new build is a new name, so no CDN invalidation). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The built file names (`app.js` → `app.<hash>.js`) from `<dir>/dist/manifest.json`; empty when not built. */
export function readAssetManifest(dir: string, hashed: RegExp): Readonly<Record<string, string>> {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(manifest).filter((e): e is [string, string] => typeof e[1] === 'string' && hashed.test(e[1])));
  } catch {
    return {};
  }
}

/** The page with `<prefix><name>` asset references pointed at the built, hashed files. */
export function renderPage(html: string, manifest: Readonly<Record<string, string>>, prefix = '/assets/'): string {
  const names = Object.keys(manifest).map((n) => n.replace(/[.]/g, '\\.'));
  if (names.length === 0) return html;
  return html.replace(new RegExp(`${prefix.replace(/[/]/g, '\\/')}(${names.join('|')})`, 'g'), (_whole, name: string) => `${prefix}${manifest[name]}`);
}

/**
 * An esbuild bundle folder (`<dir>/index.html`, `<dir>/dist/*` and its manifest), read per request so a rebuild
 * is served without a restart: its page, and its assets by hashed name (immutable) or plain name (revalidated).
 */
export function createStaticBundle(opts: { dir: string; hashed: RegExp; prefix: string; buildHint: string }) {
  return {
    page: (): string => renderPage(fs.readFileSync(path.join(opts.dir, 'index.html'), 'utf8'), readAssetManifest(opts.dir, opts.hashed), opts.prefix),
    serve(req: FastifyRequest, reply: FastifyReply, file: string): FastifyReply | undefined {
      const manifest = readAssetManifest(opts.dir, opts.hashed);
      const built = opts.hashed.test(file) ? file : Object.hasOwn(manifest, file) ? manifest[file] : undefined;
      if (built === undefined) return sendError(reply, 404, 'not_found', 'no such asset');
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(path.join(opts.dir, 'dist', built));
      } catch {
        return Object.keys(manifest).length === 0 ? sendError(reply, 503, 'not_built', opts.buildHint) : sendError(reply, 404, 'not_found', 'no such asset');
      }
      const etag = `"${crypto.createHash('sha1').update(bytes).digest('hex').slice(0, 16)}"`;
      reply.hijack();
      writeBytes(req.raw, reply.raw, bytes, etag, TYPES[built.slice(built.lastIndexOf('.') + 1)]!, built === file ? IMMUTABLE : 'no-cache');
      return undefined;
    },
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @fastify/helmet's options for one route (read from the route's config at request time), or `{ skipRoute: true }`. */
    helmet?: Record<string, unknown>;
  }
}
