import zlib from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagMatches, NO_STORE, parseRange } from './cache-policy.ts';

/** Sends a JSON error with `{error, message}`, never cached. */
export function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', NO_STORE).type('application/json; charset=utf-8').send({ error, message });
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

/** Sends a playlist with its validator: 304 when the client has it, gzip when accepted. */
export function sendPlaylist(
  req: FastifyRequest,
  reply: FastifyReply,
  body: { text: string; etag: string },
  cacheControl: string,
  gzip: (etag: string, text: string) => Buffer,
): FastifyReply {
  reply
    .header('content-type', 'application/vnd.apple.mpegurl')
    .header('cache-control', cacheControl)
    .header('etag', body.etag)
    .header('vary', 'Accept-Encoding');
  if (etagMatches(req.headers['if-none-match'], body.etag)) return reply.code(304).send();
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').send(gzip(body.etag, body.text));
  }
  return reply.send(body.text);
}

/** Sends immutable bytes with ETag/304 and single byte ranges (206/416). */
export function sendBytes(req: FastifyRequest, reply: FastifyReply, bytes: Buffer, etag: string, contentType: string, cacheControl: string): FastifyReply {
  reply.header('content-type', contentType).header('cache-control', cacheControl).header('etag', etag).header('accept-ranges', 'bytes');
  if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  const range = parseRange(req.headers.range, bytes.length);
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${bytes.length}`).header('cache-control', NO_STORE).send();
  }
  if (range.kind === 'partial') {
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${bytes.length}`)
      .send(bytes.subarray(range.start, range.end + 1));
  }
  return reply.send(bytes);
}
