import fs from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CHANNEL_NAME } from '../db/channel-repository.ts';
import type { PlaylistVariant } from '../live/live-channel.ts';
import type { LiveManager } from '../live/live-manager.ts';
import type { Logger } from '../log.ts';
import type { Verdict } from '../signing/verifier.ts';
import { MASTER_CACHE, mediaPlaylistCache, SEGMENT_CACHE } from './cache-policy.ts';
import { createGzipCache, sendBytes, sendError, sendPlaylist } from './http-reply.ts';
import { splitSafePath } from './safe-path.ts';
import { sendRefusal } from './signature-gate.ts';

const RUNG = /^\d{2,4}p$/;
const RUN = /^r[0-9a-z]{4,24}$/;
const SEGMENT = /^\d{1,9}\.ts$/;

/** A file below `/live/<channel>/`, recognised. */
export type LiveFile =
  | { kind: 'master'; variant: PlaylistVariant }
  | { kind: 'media'; rung: string; variant: PlaylistVariant }
  | { kind: 'segment'; run: string; rung: string; file: string };

/** Recognises `master.m3u8`, `<rung>.m3u8` (each also under `q/`) and `<run>/<rung>/<n>.ts`. */
export function parseLiveFile(rest: readonly string[]): LiveFile | undefined {
  const [a, b, c] = rest;
  const variant: PlaylistVariant = rest.length === 2 && a === 'q' ? 'query' : 'plain';
  const name = variant === 'query' ? b : rest.length === 1 ? a : undefined;
  if (name === 'master.m3u8') return { kind: 'master', variant };
  if (name?.endsWith('.m3u8') && RUNG.test(name.slice(0, -5))) return { kind: 'media', rung: name.slice(0, -5), variant };
  if (rest.length === 3 && RUN.test(a!) && RUNG.test(b!) && SEGMENT.test(c!)) return { kind: 'segment', run: a!, rung: b!, file: c! };
  return undefined;
}

/** What the live routes need. */
export interface LiveRouteDeps {
  readonly live: LiveManager;
  readonly channelExists: (id: string) => boolean;
  /** True when the channel's HLS needs a valid signature (paid, and the origin enforces). */
  readonly requiresSignature: (id: string) => boolean;
  readonly checkSignature: (req: FastifyRequest) => Verdict;
  readonly segmentSeconds: number;
  readonly log: Logger;
}

/** Live HLS below `/live/<channel>/`, from memory where hot, behind the signature gate for paid channels. */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const gzip = createGzipCache();
  app.get('/live/*', async (req, reply) => {
    reply.header('access-control-allow-origin', '*');
    const parts = splitSafePath(req.raw.url!.split('?')[0]!);
    if (!parts) return sendError(reply, 400, 'bad_path', 'the path is not a valid HLS path');
    const [, channelId, ...rest] = parts;
    if (!channelId || !CHANNEL_NAME.test(channelId) || !deps.channelExists(channelId)) {
      return sendError(reply, 404, 'not_found', 'no such channel');
    }
    if (deps.requiresSignature(channelId)) {
      const verdict = deps.checkSignature(req);
      if (!verdict.ok) {
        deps.log.debug('signature refused', { channel: channelId, code: verdict.code, reason: verdict.reason });
        return sendRefusal(reply, verdict);
      }
    }
    const file = parseLiveFile(rest);
    if (!file) return sendError(reply, 404, 'not_found', 'no such file');
    const channel = deps.live.channel(channelId);
    const offline = (): ReturnType<typeof sendError> => sendError(reply, 404, 'offline', 'the channel is not on air');
    if (file.kind === 'master') {
      const body = channel?.master(file.variant);
      return body ? sendPlaylist(req, reply, body, MASTER_CACHE, gzip) : offline();
    }
    if (file.kind === 'media') {
      const body = channel?.media(file.rung, file.variant);
      if (body) return sendPlaylist(req, reply, body, mediaPlaylistCache(deps.segmentSeconds, body.ended), gzip);
      return channel?.master() ? sendError(reply, 404, 'not_found', 'no such rendition') : offline();
    }
    const seg = channel?.segment(file.run, file.rung, file.file);
    if (!seg) return sendError(reply, 404, 'not_found', 'no such segment');
    let bytes = seg.bytes;
    if (!bytes) {
      try {
        bytes = await fs.readFile(seg.path);
      } catch {
        return sendError(reply, 404, 'not_found', 'no such segment');
      }
    }
    return sendBytes(req, reply, bytes, `"${seg.runId}-${seg.rung}-${seg.file}"`, 'video/mp2t', SEGMENT_CACHE);
  });
}

/** CORS preflight for HLS (players may send Range). */
export function registerHlsPreflight(app: FastifyInstance, prefix: string): void {
  app.options(`${prefix}*`, async (_req, reply) =>
    reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, HEAD')
      .header('access-control-allow-headers', 'Range')
      .header('access-control-max-age', '86400')
      .send(),
  );
}
