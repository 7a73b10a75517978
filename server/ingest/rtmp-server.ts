import type { Duplex } from 'node:stream';
import RtmpSession from 'node-media-server/src/session/rtmp_session.js';
import BroadcastServer from 'node-media-server/src/server/broadcast_server.js';
import Context from 'node-media-server/src/core/context.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import type { Logger } from '../log.ts';
import Flv from 'node-media-server/src/protocol/flv.js';
import type { FlvTag } from './flv-reader.ts';
import { GuardedRtmp, REFUSAL_CODES, RtmpLimitError, type RtmpRefusal } from './guarded-rtmp.ts';
import { describeEnhancedRtmp } from './enhanced-rtmp.ts';
import { createLiveFeed, type FeedControl, type LiveFeed } from './live-feed.ts';
import { createRefusalLimiter, describeWindow, REFUSAL_LIMITS, type RefusalKind } from './refusal-limiter.ts';
import { connectAppProblem, parseRtmpTarget, redactKey, shownApp, type RtmpTarget } from './stream-keys.ts';

/** A decision on a publish or play: the channel it maps to, or why not. */
export type Admission = { ok: true; channelId: string } | { ok: false; reason: string; /** a known key refused for lack of capacity (not counted as a wrong key) */ capacity?: true };

/** A play of a stored video: the player gets a private feed of the tags `start` produces, from the start. */
export interface OnDemandPlay {
  readonly ok: true;
  readonly label: string;
  start(onTag: (tag: FlvTag) => void, onEnd: (error?: string) => void): Promise<{ stop(): void }>;
}

/** What the ingest asks of the rest of the origin. */
export interface IngestHooks {
  /** Maps a stream key to a channel (synchronous: the decision is taken before any media is accepted). */
  authorizePublish(streamKey: string): Admission;
  /** Maps a played stream name (and its query, which may hold a signature) to a live channel or a stored video. */
  authorizePlay(streamName: string, query: Record<string, unknown>, clientIp: string): Admission | OnDemandPlay;
  publishStarted(feed: LiveFeed): void;
  publishEnded(channelId: string): void;
}

/** A connection the ingest runs RTMP over: a TCP or TLS socket, or an RTMPT session's virtual socket. */
export type RtmpTransport = Duplex & {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  /** Calls `onIdle` once nothing has been read or written for `ms` (net.Socket's contract). */
  setTimeout(ms: number, onIdle?: () => void): unknown;
};

/** The RTMP ingest: takes connections from the listeners and runs them through node-media-server. */
export interface RtmpIngest {
  handleSocket(socket: RtmpTransport): void;
  /** The last publish of this channel the ingest refused after its key was accepted (e.g. an unsupported codec), if any. */
  lastRefusal(channelId: string): { reason: string; at: number } | undefined;
  /** The bytes each live publisher has sent so far, by channel. */
  publishing(): Map<string, number>;
  /** Closes every RTMP connection. */
  stop(): void;
}

/** Idle time after which an established RTMP connection is closed (dead publishers and players). */
const SOCKET_IDLE_MS = 15_000;

/** Time a connection has by default to finish the handshake and have its publish or play admitted. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/** Time a refused client has to read the refusal before its connection is destroyed. */
const REFUSAL_LINGER_MS = 2_000;

/** How often ended refusal windows are summarised in the log. */
const SUMMARY_INTERVAL_MS = 1_000;

/** Tunables of the ingest. */
export interface IngestOptions {
  /** Deadline from accept to an admitted publish or play (RTMP_HANDSHAKE_TIMEOUT_SECONDS). */
  handshakeTimeoutMs?: number;
}

/**
 * Builds the ingest. Hostile peers are bounded: a deadline for the handshake, limits inside the parser
 * (guarded-rtmp.ts), and per-address refusal accounting that closes an address's new connections after
 * repeated unknown keys and logs each kind of refusal once per window with a summary (refusal-limiter.ts).
 *
 * node-media-server 4.4 closes a connection whose app or stream name holds anything
 * outside [A-Za-z0-9_-] (so `cfx/st` is refused) and still runs its publish handler afterwards with an
 * empty stream path. We never reach that check: each session's onConnect/onPush/onPlay are replaced
 * before run() wires them, our own parser decides, a refused session is destroyed and marked so that
 * nothing after it (publish handler, packets, events) runs, and accepted streams get the internal path
 * `/live/<channel>` so no stream key ever becomes a stream path.
 */
export function createRtmpIngest(hooks: IngestHooks, log: Logger, options: IngestOptions = {}): RtmpIngest {
  const { handshakeTimeoutMs = HANDSHAKE_TIMEOUT_MS } = options;
  // node-media-server logs attacker-driven parse errors line by line: everything it reports we report ourselves
  nmsLogger.log = () => undefined;
  const publishers = new Map<string, { session: RtmpSession; control: FeedControl }>();
  const sockets = new Set<RtmpTransport>();
  const refusals = new Map<string, { reason: string; at: number }>();
  const limiter = createRefusalLimiter();
  const summaries = setInterval(() => {
    for (const w of limiter.drain(Date.now())) log.warn(describeWindow(w, REFUSAL_LIMITS.windowMs), { refused: w.refused, blocked: w.blocked });
  }, SUMMARY_INTERVAL_MS).unref();

  const handleSocket = (socket: RtmpTransport): void => {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (!limiter.admits(address, Date.now())) {
      socket.destroy(); // repeated unknown keys from this address: no handshake until its window ends
      return;
    }
    sockets.add(socket);
    socket.setTimeout(SOCKET_IDLE_MS, () => refuse('other', 'idle timeout'));
    const deadline = setTimeout(() => refuse('handshake', `handshake timeout: no publish or play within ${handshakeTimeoutMs / 1000} s`), handshakeTimeoutMs);
    socket.on('close', () => {
      clearTimeout(deadline);
      sockets.delete(socket);
    });
    const session = new RtmpSession(socket);
    const rtmp = new GuardedRtmp();
    session.rtmp = rtmp;
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    let target: RtmpTarget | undefined;
    let query: Record<string, unknown> = {};
    let refused = false;
    let channelId: string | undefined;
    let onDemand: { stop(): void } | undefined;

    /** Closes the connection; with an `answer` the client is told why first (and has a moment to read it). */
    const refuse = (kind: RefusalKind, reason: string, fields: Record<string, unknown> = {}, answer?: RtmpRefusal): void => {
      if (refused) return;
      refused = true;
      if (limiter.record(address, kind, reason, Date.now())) log.warn(`rtmp connection refused: ${reason}`, { remote, ...fields });
      if (!answer || socket.destroyed) return void socket.destroy();
      rtmp.refuse(answer);
      socket.end();
      setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
    };
    const badName = (description: string): RtmpRefusal => ({ code: REFUSAL_CODES.badName, description });
    const attach = (id: string): BroadcastServer => {
      const streamPath = `/live/${id}`;
      session.streamApp = 'live';
      session.streamName = id;
      session.streamPath = streamPath;
      session.streamQuery = {};
      const broadcast = Context.broadcasts.get(streamPath) ?? new BroadcastServer(streamPath);
      Context.broadcasts.set(streamPath, broadcast);
      session.broadcast = broadcast;
      return broadcast;
    };

    rtmp.onConnectCheck = (app) => {
      const problem = connectAppProblem(app);
      if (problem === null) return false;
      const description = `unknown application "${shownApp(String(app))}": the server is rtmp://HOST/cfx/st`;
      refuse('other', problem, {}, { code: REFUSAL_CODES.connect, description });
      return true;
    };
    session.onConnect = (req) => {
      target = parseRtmpTarget(req.app, req.name);
      query = req.query ?? {};
    };
    session.onPush = () => {
      if (refused) return;
      if (!target?.ok) return refuse('key', target?.reason ?? 'no stream name', {}, badName(target?.reason ?? 'no stream name'));
      const key = redactKey(target.name);
      const admission = hooks.authorizePublish(target.name);
      if (!admission.ok) {
        const answer = admission.capacity ? { code: REFUSAL_CODES.publishRejected, description: 'the origin has no room for another live channel now' } : badName(admission.reason);
        return refuse(admission.capacity ? 'other' : 'key', admission.reason, { key }, answer);
      }
      if (publishers.has(admission.channelId)) return refuse('other', 'channel already has a publisher', { channel: admission.channelId, key }, badName('already publishing: this channel has a live publisher'));
      const broadcast = attach(admission.channelId);
      const err = broadcast.postPublish(session);
      if (err !== null) return refuse('other', `node-media-server: ${err}`, { channel: admission.channelId }, badName('already publishing'));
      clearTimeout(deadline);
      rtmp.accept();
      refusals.delete(admission.channelId);
      rtmp.publishing = true;
      session.isPublisher = true;
      channelId = admission.channelId;
      const control = createLiveFeed(channelId, broadcast, session);
      publishers.set(channelId, { session, control });
      log.info('publish started', { channel: channelId, remote, key });
      hooks.publishStarted(control.feed);
    };
    session.onPlay = () => {
      if (refused) return;
      const notFound = (description: string): RtmpRefusal => ({ code: REFUSAL_CODES.playNotFound, description });
      if (!target?.ok) return refuse('other', target?.reason ?? 'no stream name', {}, notFound(target?.reason ?? 'no stream name'));
      const admission = hooks.authorizePlay(target.name, query, socket.remoteAddress ?? '');
      // a viewer may paste a stream key as the name: never log one in full
      if (!admission.ok) {
        const answer = /signature/.test(admission.reason) ? { code: REFUSAL_CODES.playFailed, description: 'a valid signature is required' } : notFound('no such stream');
        return refuse('other', admission.reason, { stream: target.name.replace(/sk_[A-Za-z0-9_-]{32}/g, redactKey).slice(0, 64) }, answer);
      }
      clearTimeout(deadline);
      rtmp.accept();
      if ('channelId' in admission) {
        const err = attach(admission.channelId).postPlay(session);
        if (err !== null) return refuse('other', `node-media-server: ${err}`);
        log.info('rtmp play started', { channel: admission.channelId, remote });
        return;
      }
      // a private broadcast (never registered) that only this player subscribes to
      const broadcast = new BroadcastServer(`/vod-play/${session.id}`);
      session.broadcast = broadcast;
      broadcast.postPlay(session);
      admission
        .start(
          (tag) => !refused && broadcast.broadcastMessage(Flv.parserTag(tag.type, tag.timestamp, tag.data.length, tag.data)),
          (error) => (error ? refuse('other', `on-demand play of ${admission.label} failed: ${error}`) : socket.end()),
        )
        .then(
          (stream) => (refused || socket.destroyed ? stream.stop() : (onDemand = stream)),
          (e: Error) => refuse('other', `on-demand play of ${admission.label} failed: ${e.message}`),
        );
      log.info('rtmp on-demand play', { video: admission.label, remote });
    };
    const forward = session.onPacket;
    session.onPacket = (packet) => {
      if (refused || !channelId) return;
      const enhanced = describeEnhancedRtmp(packet.codec_type, packet.data);
      if (enhanced !== null) {
        const reason = `${enhanced} is not supported: set the encoder to H.264 (x264) and AAC`;
        refusals.set(channelId, { reason, at: Date.now() });
        return refuse('other', reason, { channel: channelId }, { code: REFUSAL_CODES.publishRejected, description: reason });
      }
      forward(packet);
      publishers.get(channelId)?.control.onPacket(packet);
    };
    session.onData = (data) => {
      if (refused) return;
      session.inBytes += data.length;
      try {
        const err = rtmp.parserData(data);
        if (err !== null) refuse('protocol', `protocol error: ${err}`);
      } catch (e) {
        if (e instanceof RtmpLimitError) refuse('protocol', `over a limit: ${e.message}`);
        else refuse('protocol', `malformed RTMP: ${(e as Error).message.slice(0, 120)}`);
      }
    };
    session.onError = () => undefined; // the close that follows does the clean-up
    session.onClose = () => {
      onDemand?.stop();
      if (channelId !== undefined && publishers.get(channelId)?.session === session) {
        const { control } = publishers.get(channelId)!;
        publishers.delete(channelId);
        control.end('publisher disconnected');
        session.broadcast.donePublish(session);
        // end the publish now: node-media-server's own resume window would replay stale headers and GOP
        // to the next transcoder; our live supervisor owns reconnects and their grace period
        session.broadcast._finishPublish();
        log.info('publish ended', { channel: channelId, remote });
        hooks.publishEnded(channelId);
      } else if (session.broadcast.streamPath !== '') {
        session.broadcast.donePlay(session);
      }
    };
    session.run();
  };

  return {
    handleSocket,
    lastRefusal: (id) => refusals.get(id),
    publishing: () => new Map([...publishers].map(([id, p]) => [id, p.session.inBytes])),
    stop() {
      clearInterval(summaries);
      for (const socket of sockets) socket.destroy();
    },
  };
}
