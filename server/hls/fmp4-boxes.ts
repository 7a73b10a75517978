/** A top-level ISO-BMFF box as cut from a byte stream: its four-letter type and its bytes (header included). */
export interface Box {
  readonly type: string;
  readonly bytes: Buffer;
}

/** Largest top-level box accepted from ffmpeg (a 2 s 4K fragment is far below it). */
const MAX_BOX_BYTES = 64 * 2 ** 20;

/**
 * Cuts a fragmented-MP4 byte stream (ffmpeg's `-f mp4 -movflags +frag_keyframe+empty_moov+default_base_moof`
 * on a pipe) into its top-level boxes as they complete. Chunks may split boxes anywhere. Throws on a box
 * header that cannot be right (size below 8 or above MAX_BOX_BYTES): the stream is not MP4.
 */
export function createBoxSplitter(onBox: (box: Box) => void): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return (chunk) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < 8) return;
    let buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    let offset = 0;
    while (buf.length - offset >= 8) {
      let size = buf.readUInt32BE(offset);
      if (size === 1) {
        if (buf.length - offset < 16) break;
        size = Number(buf.readBigUInt64BE(offset + 8));
      }
      if (size < 8 || size > MAX_BOX_BYTES) throw new Error(`not a fragmented MP4 stream: a box of ${size} bytes`);
      if (buf.length - offset < size) break;
      onBox({ type: buf.toString('latin1', offset + 4, offset + 8), bytes: buf.subarray(offset, offset + size) });
      offset += size;
    }
    buf = buf.subarray(offset);
    pending = buf.length > 0 ? [buf] : [];
    pendingBytes = buf.length;
  };
}

/** The children of a box body between `start` and `end`: type, where the body starts and where the box ends. */
function* children(buf: Buffer, start: number, end: number): Generator<{ type: string; body: number; end: number }> {
  let o = start;
  while (o + 8 <= end) {
    let size = buf.readUInt32BE(o);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(o + 8));
      header = 16;
    }
    if (size < header || o + size > end) return;
    yield { type: buf.toString('latin1', o + 4, o + 8), body: o + header, end: o + size };
    o += size;
  }
}

const child = (buf: Buffer, start: number, end: number, type: string): { body: number; end: number } | undefined => {
  for (const c of children(buf, start, end)) if (c.type === type) return c;
  return undefined;
};

/** What the packager needs from an init segment: the video track and its timescale. */
export interface InitInfo {
  readonly videoTrackId: number;
  readonly timescale: number;
}

/** Reads the video track's id and timescale from a `moov` box; undefined when it has no video track. */
export function parseMoov(moov: Buffer): InitInfo | undefined {
  for (const trak of children(moov, 8, moov.length)) {
    if (trak.type !== 'trak') continue;
    const tkhd = child(moov, trak.body, trak.end, 'tkhd');
    const mdia = child(moov, trak.body, trak.end, 'mdia');
    if (!tkhd || !mdia) continue;
    const hdlr = child(moov, mdia.body, mdia.end, 'hdlr');
    const mdhd = child(moov, mdia.body, mdia.end, 'mdhd');
    if (!hdlr || !mdhd || moov.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'vide') continue;
    const trackId = moov.readUInt32BE(tkhd.body + (moov[tkhd.body] === 1 ? 20 : 12));
    const timescale = moov.readUInt32BE(mdhd.body + (moov[mdhd.body] === 1 ? 20 : 12));
    return { videoTrackId: trackId, timescale };
  }
  return undefined;
}

/** The video timing of one `moof`: decode start and duration in seconds, and whether it starts on a keyframe. */
export interface FragmentInfo {
  readonly start: number;
  readonly duration: number;
  readonly keyframe: boolean;
}

/** Reads a `moof` box's video run (tfhd defaults, tfdt, trun); undefined when it carries no video samples. */
export function parseMoof(moof: Buffer, init: InitInfo): FragmentInfo | undefined {
  for (const traf of children(moof, 8, moof.length)) {
    if (traf.type !== 'traf') continue;
    const tfhd = child(moof, traf.body, traf.end, 'tfhd');
    if (!tfhd || moof.readUInt32BE(tfhd.body + 4) !== init.videoTrackId) continue;
    const tfhdFlags = moof.readUInt32BE(tfhd.body) & 0xffffff;
    // tfhd: track id, then the optional fields in flag order
    let o = tfhd.body + 8;
    if (tfhdFlags & 0x01) o += 8; // base data offset
    if (tfhdFlags & 0x02) o += 4; // sample description index
    const defaultDuration = tfhdFlags & 0x08 ? moof.readUInt32BE(o) : 0;
    if (tfhdFlags & 0x08) o += 4;
    if (tfhdFlags & 0x10) o += 4; // default size
    const defaultFlags = tfhdFlags & 0x20 ? moof.readUInt32BE(o) : 0;
    const tfdt = child(moof, traf.body, traf.end, 'tfdt');
    if (!tfdt) return undefined;
    const decodeTime = moof[tfdt.body] === 1 ? Number(moof.readBigUInt64BE(tfdt.body + 4)) : moof.readUInt32BE(tfdt.body + 4);
    let ticks = 0;
    let firstFlags: number | undefined;
    let count = 0;
    for (const trun of children(moof, traf.body, traf.end)) {
      if (trun.type !== 'trun') continue;
      const flags = moof.readUInt32BE(trun.body) & 0xffffff;
      const samples = moof.readUInt32BE(trun.body + 4);
      let p = trun.body + 8;
      if (flags & 0x01) p += 4; // data offset
      const firstSampleFlags = flags & 0x04 ? moof.readUInt32BE(p) : undefined;
      if (flags & 0x04) p += 4;
      const stride = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
      for (let i = 0; i < samples; i++, p += stride) {
        ticks += flags & 0x100 ? moof.readUInt32BE(p) : defaultDuration;
        if (count + i === 0) firstFlags = firstSampleFlags ?? (flags & 0x400 ? moof.readUInt32BE(p + (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0)) : defaultFlags);
      }
      count += samples;
    }
    if (count === 0) return undefined;
    // sample_is_non_sync_sample is bit 16 of the sample flags
    return { start: decodeTime / init.timescale, duration: ticks / init.timescale, keyframe: ((firstFlags ?? defaultFlags) & 0x10000) === 0 };
  }
  return undefined;
}
