import querystring from 'node:querystring';
import Rtmp from 'node-media-server/src/protocol/rtmp.js';
import { checkChunkSize, checkCommand, checkMessage } from './rtmp-limits.ts';

/** RTMP message types the guard looks at. */
const TYPE = { SET_CHUNK_SIZE: 1, FLEX_MESSAGE: 17 } as const;

/** A connection broke one of the ingest's RTMP limits; thrown out of the parser, which is then abandoned. */
export class RtmpLimitError extends Error {
  override readonly name = 'RtmpLimitError';
}

/** How a refusal is answered, in words RTMP clients show: a status code and a description. */
export interface RtmpRefusal {
  readonly code: (typeof REFUSAL_CODES)[keyof typeof REFUSAL_CODES];
  readonly description: string;
}

/** The status codes a refusal is answered with (OBS shows "could not access the stream key" for the publish ones). */
export const REFUSAL_CODES = {
  connect: 'NetConnection.Connect.Rejected',
  badName: 'NetStream.Publish.BadName',
  publishRejected: 'NetStream.Publish.Rejected',
  playNotFound: 'NetStream.Play.StreamNotFound',
  playFailed: 'NetStream.Play.Failed',
} as const;

/** A connect, publish or play command as the parser decoded it. */
interface InvokeMessage {
  transId: number;
  cmdObj?: { app?: unknown; tcUrl?: unknown } | null;
  streamName?: unknown;
}

/**
 * node-media-server's RTMP parser with the limits of rtmp-limits.ts applied before it allocates or acts,
 * and with the answers to connect, publish and play held back until the ingest has decided: node-media-server
 * answers `NetStream.Publish.Start` before anyone checks the key, so a client (OBS) believes it is live and
 * then retries blindly when the socket closes. Here the ingest's `onConnectCheck`, `onPushCallback` and
 * `onPlayCallback` decide, and call `accept()` or `refuse()`.
 */
export class GuardedRtmp extends Rtmp {
  /** Set once a publish is admitted: media messages may then be as large as the protocol allows. */
  publishing = false;
  /** Refuses a connect to an app it does not serve (through `refuse()`) and says whether it did (the ingest sets it). */
  onConnectCheck: (app: unknown) => boolean = () => false;
  /** What a refusal answers: the connect's transaction, or the stream of a publish or play. */
  private pending: { kind: 'connect'; transId: number } | { kind: 'publish' | 'play'; streamId: number } | undefined;

  override onConnect(message: InvokeMessage): void {
    this.pending = { kind: 'connect', transId: message.transId };
    if (this.onConnectCheck(message.cmdObj?.app)) return;
    this.pending = undefined;
    super.onConnect(message);
  }

  override onPublish(message: InvokeMessage): void {
    this.beginStream('publish', message);
    this.onPushCallback();
  }

  override onPlay(message: InvokeMessage): void {
    this.beginStream('play', message);
    this.onPlayCallback();
  }

  /** Answers the pending publish or play with success (before any media flows to a player). */
  accept(): void {
    if (this.pending?.kind === 'publish') this.respondPublish();
    else if (this.pending?.kind === 'play') this.respondPlay();
    this.pending = undefined;
  }

  /** Answers the pending connect (`_error`) or publish or play (`onStatus`, level error) with a refusal. */
  refuse(refusal: RtmpRefusal): void {
    const info = { level: 'error', code: refusal.code, description: refusal.description };
    const pending = this.pending ?? { kind: 'publish', streamId: this.streamId ?? 0 };
    if (pending.kind === 'connect') {
      // messages are cut at the large chunk size a connect's answer announces: announce it here too
      this.setChunkSize(this.outChunkSize);
      this.sendInvokeMessage(0, { cmd: '_error', transId: pending.transId, cmdObj: null, info });
    }
    else this.sendStatusMessage(pending.streamId, info.level, info.code, info.description);
    this.pending = undefined;
  }

  private beginStream(kind: 'publish' | 'play', message: InvokeMessage): void {
    const [name = '', query = ''] = String(message.streamName ?? '').split('?');
    this.streamName = name;
    this.streamQuery = querystring.parse(query);
    this.streamId = this.parserPacket.header.stream_id;
    this.pending = { kind, streamId: this.streamId };
    this.onConnectCallback({ app: this.streamApp, name: this.streamName, host: this.streamHost, query: this.streamQuery });
  }

  override packetAlloc(): void {
    const packet = this.parserPacket;
    let held = Math.max(packet.capacity, packet.header.length);
    for (const other of this.inPackets.values()) if (other !== packet) held += other.capacity;
    const problem = checkMessage({ length: packet.header.length, buffered: held, streams: this.inPackets.size, publishing: this.publishing });
    if (problem !== null) throw new RtmpLimitError(problem);
    super.packetAlloc();
  }

  override controlHandler(): void {
    if (this.parserPacket.header.type === TYPE.SET_CHUNK_SIZE) {
      const problem = checkChunkSize(this.parserPacket.header.length >= 4 ? this.parserPacket.payload.readUInt32BE(0) : 0);
      if (problem !== null) throw new RtmpLimitError(problem);
    }
    super.controlHandler();
  }

  override invokeHandler(): void {
    const { header, payload } = this.parserPacket;
    const problem = checkCommand(payload.subarray(0, header.length), header.type === TYPE.FLEX_MESSAGE ? 1 : 0);
    if (problem !== null) throw new RtmpLimitError(problem);
    super.invokeHandler();
  }
}
