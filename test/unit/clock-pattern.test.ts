import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockPattern } from '../bench/clock-pattern.ts';

const codec = clockPattern();
const W = 640;
const H = 360;

/** A mid-grey 640×360 luma plane with the stamp painted in. */
function frame(stamp: number): Uint8Array {
  const y = new Uint8Array(W * H).fill(128);
  codec.paint(y, W, H, stamp);
  return y;
}

/** Box-filter downscale of a luma plane (as a scaler would), plus deterministic noise of ±`noise`. */
function downscale(y: Uint8Array, w: number, h: number, noise: number): (x: number, yy: number) => number {
  let seed = 1;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const out = new Float64Array(w * h);
  for (let oy = 0; oy < h; oy++) {
    for (let ox = 0; ox < w; ox++) {
      const [x0, x1, y0, y1] = [Math.floor((ox * W) / w), Math.ceil(((ox + 1) * W) / w), Math.floor((oy * H) / h), Math.ceil(((oy + 1) * H) / h)];
      let sum = 0;
      for (let sy = y0; sy < y1; sy++) for (let sx = x0; sx < x1; sx++) sum += y[sy * W + sx]!;
      out[oy * w + ox] = sum / ((x1 - x0) * (y1 - y0)) + noise * rand();
    }
  }
  return (x, yy) => out[yy * w + x]!;
}

const stamps = [Date.UTC(2026, 0, 1), Date.UTC(2026, 6, 15, 12, 34, 56, 789), 1_775_000_000_001, 2 ** 40 - 1, 2 ** 40, 0xaaaaaaaaaa];

test('clock pattern: a stamp painted at 640x360 reads back as its low 40 bits', () => {
  for (const stamp of stamps) {
    const y = frame(stamp);
    const got = codec.read((x, yy) => y[yy * W + x]!, W, H);
    assert.deepEqual(got, { ok: true, low40: stamp % 2 ** 40 }, `stamp ${stamp}`);
    assert.equal(codec.reconstruct(stamp % 2 ** 40, stamp + 4000), stamp, 'reconstructed against a clock 4 s later');
  }
});

test('clock pattern: it survives scaling to 426x240 and 256x144 with noise', () => {
  for (const stamp of stamps) {
    for (const [w, h] of [[426, 240], [256, 144]] as const) {
      const got = codec.read(downscale(frame(stamp), w, h, 40), w, h);
      assert.deepEqual(got, { ok: true, low40: stamp % 2 ** 40 }, `stamp ${stamp} at ${w}x${h}`);
    }
  }
});

test('clock pattern: any single flipped bit is rejected by the checksum', () => {
  const bits = codec.bits(stamps[1]!);
  assert.equal(bits.length, 48);
  assert.equal(codec.fromBits(bits), stamps[1]! % 2 ** 40);
  for (let i = 0; i < bits.length; i++) {
    const flipped = bits.map((b, j) => (j === i ? !b : b));
    assert.equal(codec.fromBits(flipped), undefined, `bit ${i} flipped`);
  }
});

test('clock pattern: a blank, black or white frame is rejected', () => {
  for (const value of [16, 128, 235, 0, 255]) assert.deepEqual(codec.read(() => value, W, H), { ok: false }, `luma ${value}`);
});

test('clock pattern: reconstruction picks the nearest wrap of the 40-bit counter', () => {
  const now = 3 * 2 ** 40 + 10; // just after a wrap
  assert.equal(codec.reconstruct(2 ** 40 - 5, now), 3 * 2 ** 40 - 5, 'a stamp from just before the wrap');
  assert.equal(codec.reconstruct(7, now), 3 * 2 ** 40 + 7);
  assert.equal(codec.reconstruct(20, 3 * 2 ** 40 - 3), 3 * 2 ** 40 + 20, 'a stamp just after the wrap, the clock just before');
});

test('clock pattern: its source runs on its own (as it does in the page)', () => {
  const globals = globalThis as { __name?: unknown };
  const had = '__name' in globals;
  globals.__name ??= (f: unknown) => f; // what the page defines for tsx's keep-names helper
  try {
    const copy = (0, eval)(`(${clockPattern.toString()})()`) as typeof codec;
    const y = frame(stamps[2]!);
    assert.deepEqual(copy.read((x, yy) => y[yy * W + x]!, W, H), { ok: true, low40: stamps[2]! % 2 ** 40 });
  } finally {
    if (!had) delete globals.__name;
  }
});
