import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import { writeError } from '../origin/http-reply.ts';
import { clientIp } from '../origin/signature-gate.ts';
import type { RtmpIngest } from './rtmp-server.ts';
import { isRtmptRequest, nextPollInterval, parseRtmptPath, POLL_INTERVAL_MIN, pollAnswer, type RtmptRequest } from './rtmpt-protocol.ts';
import { RtmptSocket } from './rtmpt-socket.ts';

/** What the tunnel is built from. */
export interface RtmptTunnelDeps {
  readonly ingest: Pick<RtmpIngest, 'handleSocket'>;
  readonly log: Logger;
  /** A session with no request for this long is closed (RTMPT_IDLE_TIMEOUT_SECONDS). */
  readonly idleTimeoutMs: number;
  /** Take the client address from X-Forwarded-For (TRUST_PROXY). */
  readonly trustProxy: boolean;
  /** Sessions open at once; further opens get 503. */
  readonly maxSessions?: number;
  /** Largest request body; a larger one gets 413 and closes its session. */
  readonly maxBodyBytes?: number;
  /** Server-to-client bytes a session may hold for its client's next poll; past it the session is closed. */
  readonly maxQueuedBytes?: number;
}

/** RTMPT (RTMP tunnelled over HTTP POSTs) on the HTTP port: each session is a virtual socket for the ingest. */
export interface RtmptTunnel {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** True for the requests `handle` owns (POSTs to /open/, /send/, /idle/, /close/, /fcs/). */
  isRtmptRequest(method: string | undefined, url: string | undefined): boolean;
  /** Sessions open now (including closed ones whose last bytes wait for a poll). */
  sessions(): number;
  /** Closes every session; later opens get 503. */
  stop(): void;
}

/** Default bounds: 2000 sessions, 4 MiB per request body, 16 MiB queued per session. */
export const RTMPT_LIMITS = { maxSessions: 2000, maxBodyBytes: 4 * 1024 * 1024, maxQueuedBytes: 16 * 1024 * 1024 } as const;

/** Headers of every RTMPT answer (Content-Length is added per answer). */
const FCS_HEADERS = { 'content-type': 'application/x-fcs', 'cache-control': 'no-cache', connection: 'keep-alive' } as const;

interface Session {
  readonly id: string;
  readonly socket: RtmptSocket;
  readonly remote: string;
  readonly idle: NodeJS.Timeout;
  interval: number;
  /** The ingest closed the socket; its last bytes wait for the next poll. */
  closed: boolean;
}

/**
 * Builds the tunnel. The client id (128 random bits) is the session's credential; sequence numbers are
 * accepted as they come. Each answer is the polling interval byte and everything queued for the client;
 * a send is answered after the ingest has handled its bytes (setImmediate), so replies ride on the same answer.
 */
export function createRtmptTunnel(deps: RtmptTunnelDeps): RtmptTunnel {
  const { ingest, log, idleTimeoutMs, trustProxy } = deps;
  const { maxSessions = RTMPT_LIMITS.maxSessions, maxBodyBytes = RTMPT_LIMITS.maxBodyBytes, maxQueuedBytes = RTMPT_LIMITS.maxQueuedBytes } = deps;
  const sessions = new Map<string, Session>();
  let stopped = false;

  const remove = (session: Session): void => {
    clearTimeout(session.idle);
    if (sessions.get(session.id) === session) sessions.delete(session.id);
  };
  const close = (session: Session): void => {
    remove(session);
    session.socket.destroy();
  };
  const answer = (res: ServerResponse, session: Session, data: Buffer): void => {
    session.interval = nextPollInterval(session.interval, data.length > 0);
    const body = pollAnswer(session.interval, data);
    res.writeHead(200, { ...FCS_HEADERS, 'content-length': body.length });
    res.end(body);
  };
  const poll = (req: IncomingMessage, res: ServerResponse, session: Session): void => {
    if (sessions.get(session.id) !== session) return refuse(req, res, 404, 'no_session', 'no such RTMPT session');
    answer(res, session, session.socket.drainQueue());
    if (session.closed) remove(session); // its last bytes are delivered: the session is gone
  };

  const open = (req: IncomingMessage, res: ServerResponse): void => {
    if (stopped || sessions.size >= maxSessions) return refuse(req, res, 503, 'busy', 'too many RTMPT sessions');
    const id = crypto.randomBytes(16).toString('base64url');
    const socket = new RtmptSocket({ remoteAddress: clientIp(req, trustProxy).replace(/^::ffff:/, ''), remotePort: req.socket.remotePort ?? 0, maxQueuedBytes });
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const session: Session = {
      id, socket, remote, interval: POLL_INTERVAL_MIN, closed: false,
      idle: setTimeout(() => {
        if (!session.closed) log.info(`rtmpt session closed: no request for ${idleTimeoutMs / 1000} s`, { remote });
        close(session);
      }, idleTimeoutMs).unref(),
    };
    sessions.set(id, session);
    socket.on('close', () => {
      session.closed = true;
      if (socket.overflowed) log.warn(`rtmpt session closed: more than ${maxQueuedBytes} bytes queued for a client that does not poll`, { remote });
      if (socket.queuedBytes === 0) remove(session);
    });
    ingest.handleSocket(socket);
    if (socket.destroyed) return refuse(req, res, 403, 'refused', 'the RTMPT session was refused');
    const body = Buffer.from(`${id}\n`);
    res.writeHead(200, { ...FCS_HEADERS, 'content-length': body.length });
    res.end(body);
  };

  const onBody = (req: IncomingMessage, res: ServerResponse, target: Exclude<RtmptRequest, { command: 'ident' }>, body: Buffer): void => {
    if (target.command === 'open') return open(req, res);
    const session = sessions.get(target.id);
    if (!session) return refuse(req, res, 404, 'no_session', 'no such RTMPT session');
    session.idle.refresh();
    if (target.command === 'close') {
      close(session);
      return answer(res, session, Buffer.alloc(0));
    }
    if (target.command === 'idle') return poll(req, res, session);
    session.socket.deliver(body);
    setImmediate(() => poll(req, res, session));
  };

  return {
    isRtmptRequest,
    handle(req, res) {
      const target = parseRtmptPath(req.url ?? '');
      // answer what cannot succeed before reading any body (the connection closes, so no body is drained)
      if (!target || target.command === 'ident') return refuse(req, res, 404, 'not_found', 'no such route');
      if (target.command !== 'open' && !sessions.has(target.id)) return refuse(req, res, 404, 'no_session', 'no such RTMPT session');
      const tooLarge = (): void => {
        const session = target.command === 'open' ? undefined : sessions.get(target.id);
        if (session) {
          log.warn(`rtmpt session closed: a request body over ${maxBodyBytes} bytes`, { remote: session.remote });
          close(session);
        }
        refuse(req, res, 413, 'body_too_large', 'the body is larger than RTMPT accepts');
      };
      if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        if (size < 0) return;
        size += chunk.length;
        if (size <= maxBodyBytes) return void chunks.push(chunk);
        size = -1;
        chunks.length = 0;
        tooLarge();
      });
      req.on('end', () => size >= 0 && onBody(req, res, target, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    },
    sessions: () => sessions.size,
    stop() {
      stopped = true;
      for (const session of [...sessions.values()]) close(session);
    },
  };
}

/** An error answer that also closes the connection, so an unread body is never read or drained. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) return;
  res.setHeader('connection', 'close');
  if (!req.complete) res.once('finish', () => req.socket.destroy());
  writeError(res, status, error, message);
}
