import Rtmp from 'node-media-server/src/protocol/rtmp.js';
import { checkChunkSize, checkCommand, checkMessage } from './rtmp-limits.ts';

/** RTMP message types the guard looks at. */
const TYPE = { SET_CHUNK_SIZE: 1, FLEX_MESSAGE: 17 } as const;

/** A connection broke one of the ingest's RTMP limits; thrown out of the parser, which is then abandoned. */
export class RtmpLimitError extends Error {
  override readonly name = 'RtmpLimitError';
}

/** node-media-server's RTMP parser with the limits of rtmp-limits.ts applied before it allocates or acts. */
export class GuardedRtmp extends Rtmp {
  /** Set once a publish is admitted: media messages may then be as large as the protocol allows. */
  publishing = false;

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
