import fs from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { CHANNEL_NAME } from '../db/channel-repository.ts';
import type { LiveManager } from '../live/live-manager.ts';
import { MASTER_CACHE, mediaPlaylistCache, SEGMENT_CACHE } from './cache-policy.ts';
import { createGzipCache, sendBytes, sendError, sendPlaylist } from './http-reply.ts';
import { splitSafePath } from './safe-path.ts';

const RUNG = /^\d{2,4}p$/;
const RUN = /^r[0-9a-z]{4,24}$/;
const SEGMENT = /^\d{1,9}\.ts$/;

/** Live HLS: `/live/<channel>/master.m3u8`, `/<rung>.m3u8` and `/<run>/<rung>/<n>.ts`, from memory where hot. */
export function registerLiveRoutes(app: FastifyInstance, deps: { live: LiveManager; channelExists(id: string): boolean; segmentSeconds: number }): void {
  const gzip = createGzipCache();
  app.get('/live/*', async (req, reply) => {
    reply.header('access-control-allow-origin', '*');
    const rawPath = req.raw.url!.split('?')[0]!;
    const parts = splitSafePath(rawPath);
    if (!parts) return sendError(reply, 400, 'bad_path', 'the path is not a valid HLS path');
    const [, channelId, ...rest] = parts;
    if (!channelId || !CHANNEL_NAME.test(channelId) || !deps.channelExists(channelId)) {
      return sendError(reply, 404, 'not_found', 'no such channel');
    }
    const channel = deps.live.channel(channelId);
    const offline = (): ReturnType<typeof sendError> => sendError(reply, 404, 'offline', 'the channel is not on air');
    if (rest.length === 1 && rest[0] === 'master.m3u8') {
      const body = channel?.master();
      return body ? sendPlaylist(req, reply, body, MASTER_CACHE, gzip) : offline();
    }
    if (rest.length === 1 && rest[0]!.endsWith('.m3u8') && RUNG.test(rest[0]!.slice(0, -5))) {
      const body = channel?.media(rest[0]!.slice(0, -5));
      if (body) return sendPlaylist(req, reply, body, mediaPlaylistCache(deps.segmentSeconds, body.ended), gzip);
      return channel?.master() ? sendError(reply, 404, 'not_found', 'no such rendition') : offline();
    }
    if (rest.length === 3 && RUN.test(rest[0]!) && RUNG.test(rest[1]!) && SEGMENT.test(rest[2]!)) {
      const seg = channel?.segment(rest[0]!, rest[1]!, rest[2]!);
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
    }
    return sendError(reply, 404, 'not_found', 'no such file');
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
