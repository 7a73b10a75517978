import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveChannel, LowLatencyFileName, LowLatencySide, PlaylistVariant } from '../live/live-channel.ts';
import type { PartPosition } from '../live/ll-window.ts';
import { capMaxAge, mediaPlaylistCache, SEGMENT_CACHE } from './cache-policy.ts';
import { setCorsHeaders } from './cors.ts';
import { writeBytes, writeError, writePlaylist } from './http-reply.ts';

/** A LL-HLS media playlist request's delivery directives (rfc8216bis 6.2.5): block until a part, and/or a delta update. */
export interface DeliveryDirectives {
  readonly msn: number | undefined;
  readonly part: number | undefined;
  readonly skip: boolean;
}

/** Reads `_HLS_msn`, `_HLS_part` and `_HLS_skip` from a query string; a string says what is wrong. */
export function parseDeliveryDirectives(query: string): DeliveryDirectives | string {
  if (!query.includes('_HLS_')) return { msn: undefined, part: undefined, skip: false };
  const params = new URLSearchParams(query);
  const int = (name: string): number | undefined | string => {
    const raw = params.get(name);
    if (raw === null || raw === '') return undefined; // an edge forwarding every directive sends absent ones empty
    return /^\d{1,9}$/.test(raw) ? Number(raw) : `${name} must be a whole number`;
  };
  const msn = int('_HLS_msn');
  const part = int('_HLS_part');
  if (typeof msn === 'string') return msn;
  if (typeof part === 'string') return part;
  if (part !== undefined && msn === undefined) return '_HLS_part needs _HLS_msn';
  const skip = params.get('_HLS_skip') || undefined;
  if (skip !== undefined && skip !== 'YES' && skip !== 'v2') return '_HLS_skip must be YES or v2';
  return { msn, part, skip: skip !== undefined };
}

/**
 * Whether a blocking request asks for too much (rfc8216bis 6.2.5.2): a segment more than two past the last
 * one, or a part more than the Advance Part Limit (three seconds' worth of parts) past the last part.
 */
export function tooFarAhead(d: DeliveryDirectives, edge: PartPosition, partTarget: number): boolean {
  if (d.msn === undefined) return false;
  if (d.msn > edge.msn + 2) return true;
  if (d.part === undefined || d.msn < edge.msn) return false;
  const advanceLimit = partTarget < 1 ? Math.ceil(3 / partTarget) : 3;
  // in a later segment, part P is at least P + 1 parts past the edge
  return d.msn === edge.msn ? d.part > edge.part + advanceLimit : d.part + 1 > advanceLimit;
}

/** How long a blocking request is held at most: three target durations (then 503, as rfc8216bis suggests). */
export const blockingTimeoutMs = (targetDuration: number): number => 3 * targetDuration * 1000;

/** Cache-Control of a LL-HLS playlist: a blocking answer for a CDN to share (the `_HLS_*` query is in its key), otherwise less than a part. */
export function lowLatencyPlaylistCache(blocking: boolean, targetDuration: number, ended: boolean): string {
  if (ended) return mediaPlaylistCache(targetDuration, true);
  return blocking ? `public, max-age=${3 * targetDuration}` : 'public, max-age=0';
}

/** Answers `ll-<rung>.m3u8` (plain or `q/`): at once, or once the requested part exists (bounded), whole or as a delta update. */
export function answerLowLatencyMedia(
  req: IncomingMessage,
  res: ServerResponse,
  o: { ll: LowLatencySide; rung: string; variant: PlaylistVariant; query: string; ttl: number | undefined; gzip: (etag: string, text: string) => Buffer; cors: Readonly<Record<string, string>> },
): Promise<void> | void {
  const d = parseDeliveryDirectives(o.query);
  if (typeof d === 'string') return fail(res, o.cors, 400, 'bad_request', d);
  const { window } = o.ll;
  const state = window.media(o.rung);
  const edge = window.edge;
  if (!state || !edge) return fail(res, o.cors, 404, 'not_found', 'no such rendition');
  if (tooFarAhead(d, edge, state.partTarget)) return fail(res, o.cors, 400, 'bad_request', 'the requested segment or part is too far ahead of the live edge');
  const answer = (): void => {
    const body = o.ll.media(o.rung, o.variant, d.skip);
    if (!body) return fail(res, o.cors, 404, 'not_found', 'no such rendition');
    writePlaylist(req, res, body, capMaxAge(lowLatencyPlaylistCache(d.msn !== undefined, state.targetDuration, body.ended), o.ttl), o.gzip, o.cors);
  };
  if (d.msn === undefined || window.has(d.msn, d.part)) return answer();
  return window.wait(d.msn, d.part, blockingTimeoutMs(state.targetDuration)).then((result) => {
    if (res.destroyed) return;
    if (result === 'timeout') return fail(res, o.cors, 503, 'not_yet_available', 'the requested part did not appear in time; reload the playlist');
    answer();
  });
}

/** Answers a LL-HLS init segment, segment or part; the next part (the preload hint) is held until it exists. */
export function answerLowLatencyFile(
  req: IncomingMessage,
  res: ServerResponse,
  o: { channel: LiveChannel; file: { run: string; rung: string; file: LowLatencyFileName }; ttl: number | undefined; cors: Readonly<Record<string, string>> },
): Promise<void> | void {
  const { run, rung, file } = o.file;
  const etag = `"${run}-${rung}-${file.kind === 'init' ? 'init' : file.kind === 'segment' ? file.msn : `${file.msn}.${file.part}`}"`;
  const send = (): void => {
    const bytes = o.channel.lowLatencyFile(run, rung, file);
    if (!bytes) return fail(res, o.cors, 404, 'not_found', 'no such segment');
    setCorsHeaders(res, o.cors);
    writeBytes(req, res, bytes, etag, 'video/mp4', capMaxAge(SEGMENT_CACHE, o.ttl));
  };
  const ll = o.channel.lowLatency();
  const next = ll?.window.next;
  if (file.kind !== 'part' || !ll || !next || o.channel.lowLatencyFile(run, rung, file) || next.msn !== file.msn || next.part !== file.part) return send();
  return ll.window.wait(file.msn, file.part, blockingTimeoutMs(ll.window.media(rung)?.targetDuration ?? 2)).then(() => {
    if (!res.destroyed) send();
  });
}

function fail(res: ServerResponse, cors: Readonly<Record<string, string>>, status: number, error: string, message: string): void {
  setCorsHeaders(res, cors);
  writeError(res, status, error, message);
}
