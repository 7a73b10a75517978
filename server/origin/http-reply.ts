import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type { FastifyReply } from 'fastify';
import { etagMatches, NO_STORE, parseRange } from './cache-policy.ts';

/** Sends a JSON error with `{error, message}`, never cached (fastify routes). */
export function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', NO_STORE).type('application/json; charset=utf-8').send({ error, message });
}

/** Writes a JSON error with `{error, message}`, never cached (raw responses: the HLS hot path). */
export function writeError(res: ServerResponse, status: number, error: string, message: string): void {
  const body = JSON.stringify({ error, message });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': NO_STORE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Gzip bodies of playlists by ETag, so each version is compressed once however many viewers ask. */
export function createGzipCache(limit = 2000): (etag: string, text: string) => Buffer {
  const cache = new Map<string, Buffer>();
  return (etag, text) => {
    let gz = cache.get(etag);
    if (!gz) {
      if (cache.size >= limit) cache.clear();
      gz = zlib.gzipSync(text, { level: 6 });
      cache.set(etag, gz);
    }
    return gz;
  };
}

/** Writes a playlist with its validator: 304 when the client has it, gzip when accepted. */
export function writePlaylist(
  req: IncomingMessage,
  res: ServerResponse,
  body: { text: string; etag: string },
  cacheControl: string,
  gzip: (etag: string, text: string) => Buffer,
): void {
  res.setHeader('content-type', 'application/vnd.apple.mpegurl');
  res.setHeader('cache-control', cacheControl);
  res.setHeader('etag', body.etag);
  res.setHeader('vary', 'Accept-Encoding');
  if (etagMatches(req.headers['if-none-match'], body.etag)) return void res.writeHead(304).end();
  if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    const gz = gzip(body.etag, body.text);
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gz.length });
    return void res.end(gz);
  }
  res.writeHead(200, { 'content-length': Buffer.byteLength(body.text) });
  res.end(body.text);
}

/** Writes immutable bytes with ETag/304 and single byte ranges (206/416). */
export function writeBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, etag: string, contentType: string, cacheControl: string): void {
  res.setHeader('content-type', contentType);
  res.setHeader('etag', etag);
  res.setHeader('accept-ranges', 'bytes');
  if (etagMatches(req.headers['if-none-match'], etag)) return void res.writeHead(304, { 'cache-control': cacheControl }).end();
  const range = parseRange(req.headers.range, bytes.length);
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${bytes.length}`, 'cache-control': NO_STORE });
    return void res.end();
  }
  if (range.kind === 'partial') {
    res.writeHead(206, { 'cache-control': cacheControl, 'content-range': `bytes ${range.start}-${range.end}/${bytes.length}`, 'content-length': range.end - range.start + 1 });
    return void res.end(bytes.subarray(range.start, range.end + 1));
  }
  res.writeHead(200, { 'cache-control': cacheControl, 'content-length': bytes.length });
  res.end(bytes);
}
