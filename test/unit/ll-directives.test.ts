import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockingTimeoutMs, lowLatencyPlaylistCache, parseDeliveryDirectives, tooFarAhead, type DeliveryDirectives } from '../../server/origin/ll-routes.ts';
import { lowLatencyName, partTargetOf } from '../../server/live/live-session.ts';

const NONE = { msn: undefined, part: undefined, skip: false };

test('parseDeliveryDirectives: no _HLS_ parameter, no directive (other parameters do not matter)', () => {
  for (const q of ['', 'Policy=abc&Signature=def&Key-Pair-Id=K1', 'msn=3&part=1', 'x=_hls_msn']) assert.deepEqual(parseDeliveryDirectives(q), NONE, q);
});

test('parseDeliveryDirectives: _HLS_msn, _HLS_part and _HLS_skip', () => {
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=12'), { msn: 12, part: undefined, skip: false });
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=12&_HLS_part=0'), { msn: 12, part: 0, skip: false });
  assert.deepEqual(parseDeliveryDirectives('Policy=p&_HLS_part=2&_HLS_msn=7&Signature=s'), { msn: 7, part: 2, skip: false });
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=0&_HLS_part=3&_HLS_skip=YES'), { msn: 0, part: 3, skip: true });
  assert.deepEqual(parseDeliveryDirectives('_HLS_skip=YES'), { msn: undefined, part: undefined, skip: true });
  assert.deepEqual(parseDeliveryDirectives('_HLS_skip=v2'), { msn: undefined, part: undefined, skip: true });
  assert.deepEqual(parseDeliveryDirectives('?_HLS_msn=5'), { msn: 5, part: undefined, skip: false });
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=999999999'), { msn: 999_999_999, part: undefined, skip: false });
});

test('parseDeliveryDirectives: what is wrong, as a string', () => {
  const bad = [
    '_HLS_msn=abc',
    '_HLS_msn=-1',
    '_HLS_msn=1.5',
    '_HLS_msn=1e3',
    '_HLS_msn=1234567890', // more than 9 digits
    '_HLS_msn=3&_HLS_part=x',
    '_HLS_msn=3&_HLS_part=-2',
    '_HLS_part=1', // a part needs its segment
    '_HLS_skip=NO',
    '_HLS_skip=yes',
    '_HLS_msn=3&_HLS_skip=v3',
  ];
  for (const q of bad) assert.equal(typeof parseDeliveryDirectives(q), 'string', q);
  assert.match(parseDeliveryDirectives('_HLS_msn=abc') as string, /_HLS_msn/);
  assert.match(parseDeliveryDirectives('_HLS_msn=1&_HLS_part=abc') as string, /_HLS_part/);
  assert.match(parseDeliveryDirectives('_HLS_part=1') as string, /_HLS_msn/);
  assert.match(parseDeliveryDirectives('_HLS_skip=NO') as string, /_HLS_skip/);
});

test('parseDeliveryDirectives: empty directives (an edge forwards all three, absent ones empty) count as absent', () => {
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=&_HLS_part=&_HLS_skip='), NONE);
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=4&_HLS_part=&_HLS_skip='), { msn: 4, part: undefined, skip: false });
  assert.deepEqual(parseDeliveryDirectives('_HLS_msn=&_HLS_part=&_HLS_skip=YES'), { msn: undefined, part: undefined, skip: true });
  assert.equal(typeof parseDeliveryDirectives('_HLS_msn=&_HLS_part=2'), 'string', 'a part still needs its segment');
});

const d = (msn: number | undefined, part?: number): DeliveryDirectives => ({ msn, part, skip: false });

test('tooFarAhead: a segment more than two past the last one', () => {
  const edge = { msn: 10, part: 1 };
  assert.equal(tooFarAhead(d(undefined), edge, 0.334), false);
  assert.equal(tooFarAhead(d(3), edge, 0.334), false);
  assert.equal(tooFarAhead(d(11), edge, 0.334), false);
  assert.equal(tooFarAhead(d(12), edge, 0.334), false);
  assert.equal(tooFarAhead(d(12, 0), edge, 0.334), false);
  assert.equal(tooFarAhead(d(13), edge, 0.334), true);
  assert.equal(tooFarAhead(d(13, 0), edge, 0.334), true);
  assert.equal(tooFarAhead(d(1000), edge, 2), true);
});

test('tooFarAhead: a part beyond the Advance Part Limit, ceil(3 / PART-TARGET) below 1 s, else 3', () => {
  const edge = { msn: 10, part: 1 };
  // 0.334 s: 9 parts
  assert.equal(tooFarAhead(d(10, 1 + 9), edge, 0.334), false);
  assert.equal(tooFarAhead(d(10, 1 + 10), edge, 0.334), true);
  // 0.2 s: 15 parts
  assert.equal(tooFarAhead(d(10, 16), edge, 0.2), false);
  assert.equal(tooFarAhead(d(10, 17), edge, 0.2), true);
  // 0.5 s: 6 parts
  assert.equal(tooFarAhead(d(10, 7), edge, 0.5), false);
  assert.equal(tooFarAhead(d(10, 8), edge, 0.5), true);
  // 1 s and more: 3 parts
  assert.equal(tooFarAhead(d(10, 4), edge, 1), false);
  assert.equal(tooFarAhead(d(10, 5), edge, 1), true);
  assert.equal(tooFarAhead(d(10, 5), edge, 1.5), true);
  // an earlier segment's part is never too far ahead
  assert.equal(tooFarAhead(d(9, 50), edge, 0.334), false);
});

test('tooFarAhead: a part of the next segment far beyond the Advance Part Limit', () => {
  assert.equal(tooFarAhead(d(11, 50), { msn: 10, part: 1 }, 0.334), true);
  // part P of a later segment is at least P + 1 parts past the edge: 9 parts allowed at 0.334 s
  assert.equal(tooFarAhead(d(11, 7), { msn: 10, part: 1 }, 0.334), false);
  assert.equal(tooFarAhead(d(11, 8), { msn: 10, part: 1 }, 0.334), false);
  assert.equal(tooFarAhead(d(11, 9), { msn: 10, part: 1 }, 0.334), true);
  assert.equal(tooFarAhead(d(12, 9), { msn: 10, part: 1 }, 0.334), true);
  assert.equal(tooFarAhead(d(11, 2), { msn: 10, part: 1 }, 1), false);
  assert.equal(tooFarAhead(d(11, 3), { msn: 10, part: 1 }, 1), true);
});

test('blockingTimeoutMs: three target durations', () => {
  assert.equal(blockingTimeoutMs(1), 3000);
  assert.equal(blockingTimeoutMs(2), 6000);
  assert.equal(blockingTimeoutMs(4), 12_000);
});

test('lowLatencyPlaylistCache: a blocking answer for three target durations, a plain reload not at all, an ended one briefly', () => {
  assert.equal(lowLatencyPlaylistCache(true, 1, false), 'public, max-age=3');
  assert.equal(lowLatencyPlaylistCache(true, 2, false), 'public, max-age=6');
  assert.equal(lowLatencyPlaylistCache(false, 2, false), 'public, max-age=0');
  assert.equal(lowLatencyPlaylistCache(false, 2, true), 'public, max-age=2');
  assert.equal(lowLatencyPlaylistCache(true, 2, true), 'public, max-age=2');
});

test('partTargetOf: a whole number of frames at or past the part length, in ms rounded up', () => {
  assert.equal(partTargetOf(0.333, 30), 0.334); // 10 frames = 0.3333 s
  assert.equal(partTargetOf(0.333, 25), 0.36); // 9 frames
  assert.equal(partTargetOf(0.333, 15), 0.334); // 5 frames
  assert.equal(partTargetOf(0.2, 30), 0.2); // exactly 6 frames, not 7
  assert.equal(partTargetOf(0.5, 60), 0.5);
  assert.equal(partTargetOf(0.333, 29.97), 0.334); // 10 frames = 0.33367 s
  assert.equal(partTargetOf(0.01, 30), 0.034); // at least one frame
});

test('partTargetOf: never below the real part duration (the first frame at or past the part length), less than a ms above it', () => {
  for (const fps of [15, 23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60]) {
    for (const seconds of [0.1, 0.2, 0.25, 0.3, 0.333, 0.4, 0.5, 0.75, 1]) {
      let frames = 1; // ffmpeg cuts a part at the first frame at or past its length
      while (frames / fps < seconds - 1e-9) frames++;
      const real = frames / fps;
      const target = partTargetOf(seconds, fps);
      assert.ok(target >= real - 1e-12, `${seconds} s at ${fps} fps: ${target} < ${real}`);
      assert.ok(target - real < 0.001, `${seconds} s at ${fps} fps: ${target} vs ${real}`);
      assert.ok(Math.abs(target * 1000 - Math.round(target * 1000)) < 1e-6, 'whole ms');
    }
  }
});

test('lowLatencyName: ll-<rung>', () => {
  assert.equal(lowLatencyName('720p'), 'll-720p');
});
