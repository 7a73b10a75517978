import type BroadcastServer from 'node-media-server/src/server/broadcast_server.js';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import { parseH264Sps } from 'node-media-server/src/protocol/sps_info.js';
import type { SourceInfo } from '../hls/ladder.ts';

/** One publish as the transcoder sees it: when the source is known, and its FLV bytes from the cached GOP on. */
export interface LiveFeed {
  readonly channelId: string;
  /** Resolves at the first keyframe with the source's size, frame rate and audio; rejects if the publisher leaves first. */
  readonly ready: Promise<SourceInfo>;
  /** Attaches a sink that receives an FLV stream: header, metadata, codec headers, the cached GOP, then live tags. */
  subscribe(sink: (chunk: Buffer) => void): () => void;
}

/** Publisher facts the feed reads from node-media-server's session (set from onMetaData). */
interface PublisherFacts {
  videoWidth: number;
  videoHeight: number;
  videoFramerate: number;
}

/** The feed of one publish plus the hooks the ingest calls as packets arrive and when the publisher leaves. */
export interface FeedControl {
  readonly feed: LiveFeed;
  onPacket(packet: AVPacket): void;
  end(reason: string): void;
}

/** Builds the feed over a node-media-server broadcast. */
export function createLiveFeed(channelId: string, broadcast: BroadcastServer, publisher: PublisherFacts): FeedControl {
  let settle: { resolve(s: SourceInfo): void; reject(e: Error): void } | undefined;
  const ready = new Promise<SourceInfo>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => undefined);
  let codedSize: { width: number; height: number } | null = null;
  let subscribers = 0;
  return {
    feed: {
      channelId,
      ready,
      subscribe(sink) {
        const hasAudio = broadcast.flvAudioHeader !== null;
        let first = true;
        const session = {
          id: `transcoder-${channelId}-${++subscribers}`,
          ip: '', // empty ip marks an internal session: node-media-server skips auth and events for it
          protocol: 'flv',
          streamPath: broadcast.streamPath,
          endTime: 0,
          sendBuffer(buffer: Buffer) {
            if (first && buffer.length === 13 && buffer.toString('latin1', 0, 3) === 'FLV') {
              // node-media-server always announces audio; say the truth so ffmpeg does not wait for it
              buffer = Buffer.from(buffer);
              buffer[4] = (hasAudio ? 4 : 0) | 1;
            }
            first = false;
            sink(buffer);
          },
        };
        broadcast.postPlay(session);
        return () => broadcast.donePlay(session);
      },
    },
    onPacket(packet) {
      if (!settle) return;
      if (packet.codec_type === 9 && packet.flags === 2) codedSize = avcSize(packet.data);
      if (packet.codec_type === 9 && packet.flags === 3) {
        const width = codedSize?.width ?? publisher.videoWidth;
        const height = codedSize?.height ?? publisher.videoHeight;
        const s = settle;
        settle = undefined;
        if (!(width > 0 && height > 0)) return s.reject(new Error('cannot tell the source resolution (no H.264 SPS, no onMetaData size)'));
        const fps = publisher.videoFramerate > 0 && publisher.videoFramerate <= 240 ? publisher.videoFramerate : 30;
        s.resolve({ width, height, fps, hasAudio: broadcast.flvAudioHeader !== null });
      }
    },
    end(reason) {
      settle?.reject(new Error(reason));
      settle = undefined;
    },
  };
}

/** Picture size from an FLV AVC sequence header (AVCDecoderConfigurationRecord's first SPS). */
function avcSize(tag: Buffer): { width: number; height: number } | null {
  // tag: [frame/codec][packet type][cts x3][version][profile][compat][level][length size][#sps][sps length x2][sps...]
  if (tag.length < 14 || (tag[10]! & 0x1f) < 1) return null;
  const spsLength = tag.readUInt16BE(11);
  if (13 + spsLength > tag.length) return null;
  return parseH264Sps(tag.subarray(13, 13 + spsLength));
}
