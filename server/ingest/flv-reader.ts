/** One FLV tag: its type (8 audio, 9 video, 18 script), timestamp in ms and payload. */
export interface FlvTag {
  readonly type: number;
  readonly timestamp: number;
  readonly data: Buffer;
}

/** Largest tag accepted (FLV allows 16 MiB; a keyframe of even a very high bitrate stream is far below 8). */
const MAX_TAG_BYTES = 8 * 1024 * 1024;

/**
 * An incremental FLV reader: feed it chunks of an FLV byte stream (ffmpeg's `-f flv` output) and it calls
 * back once per complete tag. Throws on a stream that is not FLV or a tag larger than 8 MiB.
 */
export function createFlvReader(onTag: (tag: FlvTag) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (!headerDone) {
      if (pending.length < 13) return;
      if (pending.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      const headerSize = pending.readUInt32BE(5);
      if (pending.length < headerSize + 4) return;
      pending = pending.subarray(headerSize + 4);
      headerDone = true;
    }
    while (pending.length >= 11) {
      const size = pending.readUIntBE(1, 3);
      if (size > MAX_TAG_BYTES) throw new Error(`FLV tag of ${size} bytes`);
      if (pending.length < 11 + size + 4) return;
      const timestamp = (pending[7]! << 24) | pending.readUIntBE(4, 3);
      onTag({ type: pending[0]! & 0x1f, timestamp: timestamp >>> 0, data: Buffer.from(pending.subarray(11, 11 + size)) });
      pending = pending.subarray(11 + size + 4);
    }
  };
}
