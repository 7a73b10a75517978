// Types for the parts of node-media-server 4.4 the ingest adapter uses (the package ships none).
declare module 'node-media-server/src/core/avpacket.js' {
  /** One parsed FLV/RTMP media message. */
  export default class AVPacket {
    codec_id: number;
    codec_type: number;
    flags: number;
    dts: number;
    pts: number;
    size: number;
    data: Buffer;
  }
}

declare module 'node-media-server/src/server/broadcast_server.js' {
  import type AVPacket from 'node-media-server/src/core/avpacket.js';
  /** The minimum a subscriber session needs. */
  export interface Subscriber {
    id: string;
    ip: string;
    protocol: string;
    streamPath: string;
    endTime: number;
    sendBuffer(buffer: Buffer): void;
  }
  /** Fan-out of one published stream, with its cached headers and GOP. */
  export default class BroadcastServer {
    constructor(streamPath: string);
    streamPath: string;
    publisher: unknown;
    subscribers: Map<string, unknown>;
    publishGraceMs: number;
    flvVideoHeader: Buffer | null;
    flvAudioHeader: Buffer | null;
    flvGopCache: Set<Buffer> | null;
    postPlay(session: Subscriber): string | null;
    donePlay(session: Subscriber): void;
    postPublish(session: unknown): string | null;
    donePublish(session: unknown): void;
    _finishPublish(): void;
    broadcastMessage(packet: AVPacket): void;
  }
}

declare module 'node-media-server/src/session/rtmp_session.js' {
  import type { Duplex } from 'node:stream';
  import type AVPacket from 'node-media-server/src/core/avpacket.js';
  import type BroadcastServer from 'node-media-server/src/server/broadcast_server.js';
  /** The request an RTMP publish or play carries. */
  export interface RtmpRequest {
    app: unknown;
    name: unknown;
    host: unknown;
    query: Record<string, unknown>;
  }
  /** One RTMP connection; its callbacks are instance properties read by run(). */
  export default class RtmpSession {
    constructor(socket: Duplex & { remoteAddress?: string | undefined; remotePort?: number | undefined });
    id: string;
    ip: string;
    protocol: string;
    socket: Duplex;
    rtmp: { parserData(data: Buffer): string | null };
    broadcast: BroadcastServer;
    isPublisher: boolean;
    streamApp: string;
    streamName: string;
    streamPath: string;
    streamQuery: Record<string, unknown>;
    videoFramerate: number;
    videoWidth: number;
    videoHeight: number;
    inBytes: number;
    endTime: number;
    run(): void;
    onConnect: (req: RtmpRequest) => void;
    onPush: () => void;
    onPlay: () => void;
    onPacket: (packet: AVPacket) => void;
    onData: (data: Buffer) => void;
    onClose: () => void;
    onError: (error: Error) => void;
    sendBuffer: (buffer: Buffer) => void;
  }
}

declare module 'node-media-server/src/core/context.js' {
  import type BroadcastServer from 'node-media-server/src/server/broadcast_server.js';
  /** node-media-server's process-wide state. */
  const Context: { broadcasts: Map<string, BroadcastServer>; config: Record<string, unknown> };
  export default Context;
}

declare module 'node-media-server/src/core/logger.js' {
  /** node-media-server's process-wide logger (every level goes through `log`). */
  const logger: { level: string; log(message: string, level?: string): void };
  export default logger;
}

declare module 'node-media-server/src/protocol/rtmp.js' {
  /** A message being received on one chunk stream. */
  export interface RtmpPacket {
    header: { fmt: number; cid: number; timestamp: number; length: number; type: number; stream_id: number };
    payload: Buffer;
    /** Bytes allocated for the payload. */
    capacity: number;
    /** Payload bytes received so far. */
    bytes: number;
  }
  /** node-media-server's RTMP handshake and chunk parser; the methods below are overridable steps of parserData. */
  export default class Rtmp {
    parserPacket: RtmpPacket;
    inPackets: Map<number, RtmpPacket>;
    inChunkSize: number;
    parserData(buffer: Buffer): string | null;
    /** Sizes parserPacket's payload for the message whose header was just read. */
    packetAlloc(): void;
    /** Handles a protocol control message (Set Chunk Size, Window Acknowledgement Size, ...). */
    controlHandler(): void;
    /** Handles a command message (connect, createStream, publish, play, ...). */
    invokeHandler(): void;
    streamApp: string;
    streamName: string;
    streamHost: string;
    streamQuery: Record<string, unknown>;
    streamId: number | undefined;
    /** Set by RtmpSession.run() from the session's handlers. */
    onConnectCallback(req: { app: unknown; name: unknown; host: unknown; query: Record<string, unknown> }): void;
    onPushCallback(): void;
    onPlayCallback(): void;
    /** The command handlers invokeHandler dispatches to (overridable). */
    onConnect(message: unknown): void;
    onPublish(message: unknown): void;
    onPlay(message: unknown): void;
    outChunkSize: number;
    setChunkSize(size: number): void;
    respondPublish(): void;
    respondPlay(): void;
    sendInvokeMessage(streamId: number, message: Record<string, unknown>): void;
    sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
  }
}

declare module 'node-media-server/src/protocol/sps_info.js' {
  /** Parses an H.264 SPS NAL unit for the picture size. */
  export function parseH264Sps(sps: Buffer): { width: number; height: number } | null;
}

declare module 'node-media-server/src/protocol/flv.js' {
  import type AVPacket from 'node-media-server/src/core/avpacket.js';
  /** FLV helpers of node-media-server. */
  export default class Flv {
    static parserTag(type: number, time: number, size: number, data: Buffer): AVPacket;
  }
}
