import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { CHANNEL_NAME } from '../db/channel-repository.ts';
import type { LiveHlsMode } from '../config.ts';
import type { LowLatencyFileName, PlaylistVariant } from '../live/live-channel.ts';
import type { WindowRange } from '../live/segment-window.ts';
import type { LiveManager } from '../live/live-manager.ts';
import type { Logger } from '../log.ts';
import type { Verdict } from '../signing/verifier.ts';
import { capMaxAge, MASTER_CACHE, mediaPlaylistCache, SEGMENT_CACHE } from './cache-policy.ts';
import { setCorsHeaders, type CorsPolicy } from './cors.ts';
import { createGzipCache, sendError, writeBytes, writeError, writePlaylist } from './http-reply.ts';
import { splitSafePath } from './safe-path.ts';
import { tokenSecondsLeft, tokenSegments } from '../signing/path-token.ts';
import { writeRefusal } from './signature-gate.ts';
import { answerLowLatencyFile, answerLowLatencyMedia } from './ll-routes.ts';

const RUNG = /^\d{2,4}p$/;
const RUN = /^r[0-9a-z]{4,24}$/;
const SEGMENT = /^\d{1,9}\.ts$/;
const LL_FILE = /^(?:(init)\.mp4|(\d{1,9})\.m4s|(\d{1,9})\.(\d{1,3})\.m4s)$/;

/** A file below `/live/<channel>/`, recognised. */
export type LiveFile =
  | { kind: 'master'; variant: PlaylistVariant; range: WindowRange }
  | { kind: 'media'; rung: string; variant: PlaylistVariant; range: WindowRange }
  | { kind: 'segment'; run: string; rung: string; file: string }
  | { kind: 'll-master'; variant: PlaylistVariant }
  | { kind: 'll-media'; rung: string; variant: PlaylistVariant }
  | { kind: 'll-file'; run: string; rung: string; file: LowLatencyFileName };

/**
 * Recognises `master.m3u8`, `<rung>.m3u8`, their DVR forms `dvr.m3u8`, `dvr-<rung>.m3u8`, the LL-HLS `ll.m3u8`
 * and `ll-<rung>.m3u8` (each also under `q/`), `<run>/<rung>/<n>.ts` and LL-HLS `<run>/<rung>/init.mp4`,
 * `<n>.m4s` and `<n>.<part>.m4s`.
 */
export function parseLiveFile(rest: readonly string[]): LiveFile | undefined {
  const [a, b, c] = rest;
  const variant: PlaylistVariant = rest.length === 2 && a === 'q' ? 'query' : 'plain';
  const name = variant === 'query' ? b : rest.length === 1 ? a : undefined;
  if (name === 'master.m3u8') return { kind: 'master', variant, range: 'hot' };
  if (name === 'dvr.m3u8') return { kind: 'master', variant, range: 'dvr' };
  if (name === 'll.m3u8') return { kind: 'll-master', variant };
  if (name?.startsWith('ll-') && name.endsWith('.m3u8')) {
    const rung = name.slice(3, -5);
    return RUNG.test(rung) ? { kind: 'll-media', rung, variant } : undefined;
  }
  if (name?.endsWith('.m3u8')) {
    const range: WindowRange = name.startsWith('dvr-') ? 'dvr' : 'hot';
    const rung = name.slice(range === 'dvr' ? 4 : 0, -5);
    if (RUNG.test(rung)) return { kind: 'media', rung, variant, range };
  }
  if (rest.length !== 3 || !RUN.test(a!) || !RUNG.test(b!)) return undefined;
  if (SEGMENT.test(c!)) return { kind: 'segment', run: a!, rung: b!, file: c! };
  const ll = LL_FILE.exec(c!);
  if (!ll) return undefined;
  const file: LowLatencyFileName = ll[1] ? { kind: 'init' } : ll[2] ? { kind: 'segment', msn: Number(ll[2]) } : { kind: 'part', msn: Number(ll[3]), part: Number(ll[4]) };
  return { kind: 'll-file', run: a!, rung: b!, file };
}

/** Whether a channel exists and who may watch: free, paid (CloudFront checks), or paid with the origin checking signatures. */
export type ChannelAccess = 'unknown' | 'free' | 'paid' | 'signed';

/** What the live routes need. */
export interface LiveRouteDeps {
  readonly live: LiveManager;
  readonly access: (id: string) => ChannelAccess;
  readonly cors: CorsPolicy;
  readonly checkSignature: (req: IncomingMessage) => Verdict;
  readonly segmentSeconds: number;
  readonly log: Logger;
  /** Notes a viewer's media playlist reload (viewers now). */
  readonly seen?: (channelId: string, req: IncomingMessage) => void;
  /** `low-latency`: `master.m3u8` answers with the LL-HLS master (default: `both`, LL-HLS at `ll.m3u8`). */
  readonly liveHls?: LiveHlsMode;
}

/** A handler on raw node request and response objects (a promise when it waits, e.g. for a file). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * Live HLS below `/live/<channel>/`, from memory where hot, behind the signature gate for paid channels.
 * It works on raw node objects: the origin calls it straight from its HTTP server for speed (see app.ts),
 * and fastify mounts the same handler for everything else (`app.inject` in tests included).
 */
export function createLiveHandler(deps: LiveRouteDeps): RawHandler {
  const gzip = createGzipCache();
  // no closures are made per request: this runs for every viewer's every playlist reload
  return (req, res) => {
    const url = req.url!;
    const q = url.indexOf('?');
    const parts = splitSafePath(q < 0 ? url : url.slice(0, q));
    if (!parts) return writeError(res, 400, 'bad_path', 'the path is not a valid HLS path');
    const [, channelId, ...after] = parts;
    // `s/<token>/…`: the signature in the path (path-token.ts), checked here even behind a CDN, which cannot
    const { token, rest } = tokenSegments(after);
    const access = channelId && CHANNEL_NAME.test(channelId) ? deps.access(channelId) : 'unknown';
    const cors = deps.cors.headers(req.headers.origin, access === 'free');
    if (!channelId || access === 'unknown') return failWith(res, cors, 404, 'not_found', 'no such channel');
    if (access === 'signed' || (token !== undefined && access === 'paid')) {
      const verdict = deps.checkSignature(req);
      if (!verdict.ok) {
        deps.log.debug('signature refused', { channel: channelId, code: verdict.code, reason: verdict.reason });
        setCorsHeaders(res, cors);
        return writeRefusal(res, verdict);
      }
    }
    const file = parseLiveFile(rest);
    if (!file) return failWith(res, cors, 404, 'not_found', 'no such file');
    const ttl = token === undefined || access === 'free' ? undefined : tokenSecondsLeft(token, Date.now());
    const channel = deps.live.channel(channelId);
    if (file.kind === 'll-master' || (file.kind === 'master' && file.range === 'hot' && deps.liveHls === 'low-latency')) {
      const ll = channel?.lowLatency();
      return ll ? writePlaylist(req, res, ll.masters[file.variant], capMaxAge(MASTER_CACHE, ttl), gzip, cors) : failWith(res, cors, 404, 'offline', OFFLINE);
    }
    if (file.kind === 'll-media') {
      const ll = channel?.lowLatency();
      if (!ll) return failWith(res, cors, 404, 'offline', OFFLINE);
      deps.seen?.(channelId, req);
      return answerLowLatencyMedia(req, res, { ll, rung: file.rung, variant: file.variant, query: q < 0 ? '' : url.slice(q + 1), ttl, gzip, cors });
    }
    if (file.kind === 'll-file') {
      if (!channel) return failWith(res, cors, 404, 'not_found', 'no such segment');
      return answerLowLatencyFile(req, res, { channel, file, ttl, cors });
    }
    if (file.kind === 'master') {
      const body = channel?.master(file.variant, file.range);
      return body ? writePlaylist(req, res, body, capMaxAge(MASTER_CACHE, ttl), gzip, cors) : failWith(res, cors, 404, 'offline', OFFLINE);
    }
    if (file.kind === 'media') {
      const body = channel?.media(file.rung, file.variant, file.range);
      if (body) {
        deps.seen?.(channelId, req);
        return writePlaylist(req, res, body, capMaxAge(mediaPlaylistCache(deps.segmentSeconds, body.ended), ttl), gzip, cors);
      }
      return channel?.master() ? failWith(res, cors, 404, 'not_found', 'no such rendition') : failWith(res, cors, 404, 'offline', OFFLINE);
    }
    const seg = channel?.segment(file.run, file.rung, file.file);
    if (!seg) return failWith(res, cors, 404, 'not_found', 'no such segment');
    setCorsHeaders(res, cors);
    const etag = `"${seg.runId}-${seg.rung}-${seg.file}"`;
    const cache = capMaxAge(SEGMENT_CACHE, ttl);
    if (seg.bytes) return writeBytes(req, res, seg.bytes, etag, 'video/mp2t', cache);
    return fs.readFile(seg.path).then(
      (bytes) => writeBytes(req, res, bytes, etag, 'video/mp2t', cache),
      () => writeError(res, 404, 'not_found', 'no such segment'),
    );
  };
}

const OFFLINE = 'the channel is not on air';

/** Writes a JSON error with the request's CORS headers (so a cross-origin player can read why). */
function failWith(res: ServerResponse, cors: Readonly<Record<string, string>>, status: number, error: string, message: string): void {
  setCorsHeaders(res, cors);
  writeError(res, status, error, message);
}

/** Mounts a raw handler on a fastify route prefix (GET and HEAD). */
export function mountRaw(app: FastifyInstance, prefix: string, handler: RawHandler): void {
  app.get(`${prefix}*`, { config: { helmet: { skipRoute: true } } }, async (req, reply) => {
    reply.hijack();
    await handler(req.raw, reply.raw);
  });
}

/** Whether a live path (split by splitSafePath) is public: below a free channel. */
export function isPublicLivePath(access: (id: string) => ChannelAccess): (parts: readonly string[]) => boolean {
  return ([, id]) => id !== undefined && CHANNEL_NAME.test(id) && access(id) === 'free';
}

/** CORS preflight for HLS below `prefix` (players may send Range): public files for any site, others for allowed sites only. */
export function registerHlsPreflight(app: FastifyInstance, prefix: string, deps: { cors: CorsPolicy; isPublic(parts: readonly string[]): boolean }): void {
  app.options(`${prefix}*`, { config: { helmet: { skipRoute: true } } }, async (req, reply) => {
    const parts = splitSafePath(req.url.split('?')[0]!);
    const cors = deps.cors.headers(req.headers.origin, parts !== null && deps.isPublic(parts));
    reply.headers(cors);
    if (!cors['access-control-allow-origin']) return sendError(reply, 403, 'origin_not_allowed', 'this site may not read this content cross-origin (see CORS_ORIGINS)');
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, HEAD')
      .header('access-control-allow-headers', 'Range')
      .header('access-control-max-age', '86400')
      .send();
  });
}
