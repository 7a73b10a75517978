import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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

/** A client error as status, code and a fixed message: never the request's own bytes echoed back (they may hold secrets). */
export type ErrorReply = readonly [status: number, error: string, message: string];

/** Errors fastify raises before a route runs (bodies and their types), by fastify's error code. */
const REQUEST_ERRORS: Readonly<Record<string, ErrorReply>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send the body as application/json'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large', 'the body is larger than this endpoint accepts'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json', 'the body is empty: send a JSON object'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length', 'Content-Length does not match the body'],
  // raised by @fastify/rate-limit (app.ts builds it); Retry-After says when
  FST_RATE_LIMITED: [429, 'rate_limited', 'too many attempts: try again shortly (see Retry-After)'],
};

/** Our answer to a 4xx error fastify raised (a fixed message for codes it does not list). */
export function requestErrorReply(err: { statusCode?: number; code?: string }, status: number): ErrorReply {
  return (err.code !== undefined && REQUEST_ERRORS[err.code]) || [status, 'bad_request', 'the request is malformed'];
}

/** Our answer to a request node's HTTP parser refused, by node's error code. */
export function clientErrorReply(code: string | undefined): ErrorReply {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'the request line and headers exceed 16 KiB'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'the request took too long to arrive'];
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return [413, 'body_too_large', 'chunk extensions too large'];
  return [400, 'bad_request', 'malformed HTTP request'];
}

/** Answers a request the HTTP parser refused with our JSON error, then closes the connection (fastify's clientErrorHandler). */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // a response already under way on this socket must not be corrupted by a second head
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !inFlight) {
    const [status, error, message] = clientErrorReply(err.code);
    const body = JSON.stringify({ error, message });
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
    socket.write(head + body);
  }
  socket.destroy();
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

/** Writes a playlist with its validator and CORS headers in one head: 304 when the client has it, gzip when accepted. */
export function writePlaylist(
  req: IncomingMessage,
  res: ServerResponse,
  body: { text: string; etag: string },
  cacheControl: string,
  gzip: (etag: string, text: string) => Buffer,
  cors: Readonly<Record<string, string>>,
): void {
  // CORS only ever varies on Origin (cors.ts), so Accept-Encoding is simply added after it
  const head = ['content-type', 'application/vnd.apple.mpegurl', 'cache-control', cacheControl, 'etag', body.etag, 'vary', cors.vary === undefined ? 'Accept-Encoding' : `${cors.vary}, Accept-Encoding`];
  for (const name in cors) if (name !== 'vary') head.push(name, cors[name]!);
  const headers = req.headers;
  if (headers['if-none-match'] !== undefined && etagMatches(headers['if-none-match'], body.etag)) return void res.writeHead(304, head).end();
  const accepts = headers['accept-encoding'];
  if (accepts !== undefined && GZIP.test(accepts)) {
    const gz = gzip(body.etag, body.text);
    head.push('content-encoding', 'gzip', 'content-length', String(gz.length));
    return void res.writeHead(200, head).end(gz);
  }
  head.push('content-length', String(Buffer.byteLength(body.text)));
  res.writeHead(200, head).end(body.text);
}

const GZIP = /\bgzip\b/;

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
