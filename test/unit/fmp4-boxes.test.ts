import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBoxSplitter, parseMoof, parseMoov, type Box } from '../../server/hls/fmp4-boxes.ts';

// ---- box building ----

const u32 = (...values: number[]): Buffer => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};
const u64 = (v: bigint | number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};

/** A box: 32-bit size, four-letter type, payload. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body]);
}

/** A box with `size = 1` and a 64-bit largesize. */
function box64(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32(1), Buffer.from(type, 'latin1'), u64(16 + body.length), body]);
}

/** A full box: version and 24-bit flags, then the payload. */
const fullBox = (type: string, version: number, flags: number, ...payload: Buffer[]): Buffer => box(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...payload);

// ---- the splitter ----

function split(chunks: Buffer[]): Box[] {
  const out: Box[] = [];
  const feed = createBoxSplitter((b) => out.push({ type: b.type, bytes: Buffer.from(b.bytes) }));
  for (const c of chunks) feed(c);
  return out;
}

const STREAM = [
  box('ftyp', Buffer.from('isom\0\0\x02\0isomiso6', 'latin1')),
  box('moov', box('mvhd', Buffer.alloc(100, 1))),
  box('moof', box('mfhd', u32(0, 1))),
  box('mdat', Buffer.alloc(1000, 7)),
  box64('mdat', Buffer.alloc(300, 9)),
  box('moof', box('mfhd', u32(0, 2))),
  box('mdat', Buffer.alloc(0)),
];
const WHOLE = Buffer.concat(STREAM);

test('the splitter yields whole top-level boxes, in one chunk', () => {
  const boxes = split([WHOLE]);
  assert.deepEqual(boxes.map((b) => b.type), ['ftyp', 'moov', 'moof', 'mdat', 'mdat', 'moof', 'mdat']);
  assert.deepEqual(boxes.map((b) => b.bytes), STREAM);
});

test('the splitter yields the same boxes fed byte by byte', () => {
  const bytes = [...WHOLE].map((b) => Buffer.from([b]));
  assert.deepEqual(split(bytes).map((b) => b.bytes), STREAM);
});

test('the splitter yields the same boxes whatever the chunking (headers and 64-bit sizes split too)', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) + 1;
  for (let round = 0; round < 50; round++) {
    const chunks: Buffer[] = [];
    for (let o = 0; o < WHOLE.length; ) {
      const n = rand(round % 2 === 0 ? 20 : 700);
      chunks.push(WHOLE.subarray(o, o + n));
      o += n;
    }
    chunks.splice(1, 0, Buffer.alloc(0)); // an empty chunk changes nothing
    assert.deepEqual(split(chunks).map((b) => b.bytes), STREAM, `round ${round}`);
  }
  // a 64-bit box whose largesize arrives after the first 8 bytes
  const big = box64('mdat', Buffer.from('payload'));
  assert.deepEqual(split([big.subarray(0, 8), big.subarray(8, 12), big.subarray(12)]).map((b) => b.bytes), [big]);
});

test('the splitter yields a box only once it is complete', () => {
  const seen: string[] = [];
  const feed = createBoxSplitter((b) => seen.push(b.type));
  const [ftyp, moov] = [STREAM[0]!, STREAM[1]!];
  feed(ftyp.subarray(0, 5));
  feed(ftyp.subarray(5, ftyp.length - 1));
  assert.deepEqual(seen, []);
  feed(Buffer.concat([ftyp.subarray(ftyp.length - 1), moov.subarray(0, 10)]));
  assert.deepEqual(seen, ['ftyp']);
  feed(moov.subarray(10));
  assert.deepEqual(seen, ['ftyp', 'moov']);
});

test('the splitter throws on a box size that cannot be right', () => {
  for (const size of [0, 4, 7]) {
    const feed = createBoxSplitter(() => {});
    assert.throws(() => feed(Buffer.concat([u32(size), Buffer.from('mdat'), Buffer.alloc(16)])), /not a fragmented MP4 stream/, `size ${size}`);
  }
  // a 64-bit size below 8, and a size far above anything ffmpeg writes
  const feed = createBoxSplitter(() => {});
  assert.throws(() => feed(Buffer.concat([u32(1), Buffer.from('mdat'), u64(4)])), /not a fragmented MP4 stream/);
  const huge = createBoxSplitter(() => {});
  assert.throws(() => huge(Buffer.concat([u32(0xffffffff), Buffer.from('mdat')])), /not a fragmented MP4 stream/);
  // after good boxes too
  const late = createBoxSplitter(() => {});
  assert.throws(() => late(Buffer.concat([STREAM[0]!, u32(3), Buffer.from('moof')])), /3 bytes/);
});

// ---- moov ----

/** tkhd version 0: creation and modification times (4 bytes each), then the track id (body offset 12). */
const tkhd0 = (trackId: number) => fullBox('tkhd', 0, 3, u32(0, 0, trackId, 0), Buffer.alloc(60));
/** tkhd version 1: 64-bit times, the track id at body offset 20. */
const tkhd1 = (trackId: number) => fullBox('tkhd', 1, 3, u64(0), u64(0), u32(trackId, 0), Buffer.alloc(60));
/** mdhd version 0: times, then the timescale (body offset 12) and the duration. */
const mdhd0 = (timescale: number) => fullBox('mdhd', 0, 0, u32(0, 0, timescale, 0), u32(0x55c40000));
const mdhd1 = (timescale: number) => fullBox('mdhd', 1, 0, u64(0), u64(0), u32(timescale), u64(0), u32(0x55c40000));
/** hdlr: pre_defined, then the handler type (body offset 8). */
const hdlr = (handler: string) => fullBox('hdlr', 0, 0, u32(0), Buffer.from(handler, 'latin1'), u32(0, 0, 0), Buffer.from('Handler\0'));
const trak = (tkhd: Buffer, mdhd: Buffer, handler: string) => box('trak', tkhd, box('mdia', mdhd, hdlr(handler), box('minf', Buffer.alloc(8))));
const moov = (...traks: Buffer[]) => box('moov', fullBox('mvhd', 0, 0, Buffer.alloc(96)), ...traks);

test('parseMoov: the video track id and timescale (tkhd and mdhd version 0)', () => {
  assert.deepEqual(parseMoov(moov(trak(tkhd0(1), mdhd0(15360), 'vide'))), { videoTrackId: 1, timescale: 15360 });
});

test('parseMoov: the video track after an audio one; version 1 tkhd and mdhd', () => {
  const m = moov(trak(tkhd0(1), mdhd0(48000), 'soun'), trak(tkhd1(2), mdhd1(90000), 'vide'));
  assert.deepEqual(parseMoov(m), { videoTrackId: 2, timescale: 90000 });
});

test('parseMoov: no video track, no answer', () => {
  assert.equal(parseMoov(moov(trak(tkhd0(1), mdhd0(48000), 'soun'))), undefined);
  assert.equal(parseMoov(moov()), undefined);
  // a trak without mdia
  assert.equal(parseMoov(moov(box('trak', tkhd0(1)))), undefined);
});

// ---- moof ----

const INIT = { videoTrackId: 1, timescale: 15360 };
const NON_SYNC = 0x01010000; // sample_depends_on=1, sample_is_non_sync_sample
const SYNC = 0x02000000; // sample_depends_on=2 (an I-frame)

/** tfhd with flags 0x20038: default-base-is-moof, default duration, size and flags. */
const tfhd = (trackId: number, duration: number, size: number, flags: number) => fullBox('tfhd', 0, 0x020038, u32(trackId, duration, size, flags));
const tfdt1 = (time: bigint | number) => fullBox('tfdt', 1, 0, u64(time));
const tfdt0 = (time: number) => fullBox('tfdt', 0, 0, u32(time));
/** trun with a data offset, optionally first-sample-flags (0x4), and per-sample sizes (0x200). */
function trun(count: number, firstFlags?: number): Buffer {
  const flags = 0x01 | 0x200 | (firstFlags === undefined ? 0 : 0x04);
  return fullBox('trun', 0, flags, u32(count, 120), ...(firstFlags === undefined ? [] : [u32(firstFlags)]), u32(...Array.from({ length: count }, (_, i) => 1000 + i)));
}
const traf = (...children: Buffer[]) => box('traf', ...children);
const moof = (...trafs: Buffer[]) => box('moof', fullBox('mfhd', 0, 0, u32(5)), ...trafs);

test('parseMoof: start from tfdt (64-bit), duration from the default sample duration, a keyframe from first-sample-flags', () => {
  const info = parseMoof(moof(traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(46080), trun(10, SYNC))), INIT);
  assert.deepEqual(info, { start: 3, duration: (10 * 512) / 15360, keyframe: true });
  // a 64-bit decode time past 2^32
  const late = parseMoof(moof(traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(2n ** 33n), trun(3, SYNC))), INIT)!;
  assert.equal(late.start, 2 ** 33 / 15360);
  assert.equal(late.duration, 0.1);
});

test('parseMoof: without first-sample-flags the default flags decide; the non-sync bit 0x10000 means no keyframe', () => {
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(0), trun(10))), INIT)!.keyframe, false);
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, SYNC), tfdt1(0), trun(10))), INIT)!.keyframe, true);
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, SYNC), tfdt1(0), trun(10, NON_SYNC))), INIT)!.keyframe, false, 'first-sample-flags win');
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(0), trun(10, 0x10000))), INIT)!.keyframe, false);
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(0), trun(10, 0x01000000))), INIT)!.keyframe, true, 'only bit 16 counts');
});

test('parseMoof: a tfdt of version 0 (32-bit)', () => {
  assert.deepEqual(parseMoof(moof(traf(tfhd(1, 500, 900, SYNC), tfdt0(30000), trun(6))), { videoTrackId: 1, timescale: 15000 }), { start: 2, duration: 0.2, keyframe: true });
});

test('parseMoof: a traf of another track is ignored; the video one is read wherever it is', () => {
  const audio = traf(tfhd(2, 1024, 300, SYNC), tfdt1(480000), trun(4, SYNC));
  const video = traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(15360), trun(5, SYNC));
  assert.deepEqual(parseMoof(moof(audio, video), INIT), { start: 1, duration: (5 * 512) / 15360, keyframe: true });
  assert.equal(parseMoof(moof(audio), INIT), undefined, 'no video samples');
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, SYNC), tfdt1(0), trun(0))), INIT), undefined, 'an empty run');
});

test('parseMoof: per-sample durations and flags (trun 0x100, 0x400) and several truns', () => {
  // data offset, per-sample duration, size and flags: the first sample's flags after its duration and size
  const perSample = fullBox('trun', 0, 0x01 | 0x100 | 0x200 | 0x400, u32(3, 64), u32(500, 1000, SYNC), u32(520, 1001, NON_SYNC), u32(516, 1002, NON_SYNC));
  const second = fullBox('trun', 0, 0x01 | 0x200, u32(2, 3064), u32(900, 901)); // default durations
  const info = parseMoof(moof(traf(tfhd(1, 512, 900, NON_SYNC), tfdt1(15360 * 4), perSample, second)), INIT)!;
  assert.equal(info.start, 4);
  assert.equal(info.duration, (500 + 520 + 516 + 2 * 512) / 15360);
  assert.equal(info.keyframe, true);
  // the other way round: non-sync first sample
  const nonSync = fullBox('trun', 0, 0x01 | 0x100 | 0x200 | 0x400, u32(2, 64), u32(500, 1000, NON_SYNC), u32(500, 1000, SYNC));
  assert.equal(parseMoof(moof(traf(tfhd(1, 512, 900, SYNC), tfdt1(0), nonSync)), INIT)!.keyframe, false);
});

test('parseMoof: a 64-bit box inside the moof is read too', () => {
  const video = box64('traf', tfhd(1, 512, 900, NON_SYNC), tfdt1(0), trun(3, SYNC));
  assert.deepEqual(parseMoof(box('moof', fullBox('mfhd', 0, 0, u32(1)), video), INIT), { start: 0, duration: 0.1, keyframe: true });
});
