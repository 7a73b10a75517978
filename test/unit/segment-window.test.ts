import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSegmentWindow, type SegmentGroup, type SegmentWindowOptions } from '../../server/live/segment-window.ts';

const RUNGS = ['720p', '480p', '360p'];
const OPTS: SegmentWindowOptions = { rungs: RUNGS, windowSize: 3, segmentSeconds: 2, retentionMs: 10_000 };

/** Segment `n` of a run in every rung, as the scanner hands it over. */
function group(runId: string, n: number, duration = 2, rungs: readonly string[] = RUNGS): SegmentGroup {
  return rungs.map((rung) => ({
    runId,
    rung,
    file: `${n}.ts`,
    duration,
    path: `/tmp/runs/${runId}/${rung}/${n}.ts`,
    bytes: Buffer.from(`${runId}/${rung}/${n}`),
  }));
}

/** A window with segments 0..count-1 of run `r1` appended at times 0, 1000, 2000, ... */
function filled(count: number, opts: SegmentWindowOptions = OPTS) {
  const w = createSegmentWindow(opts);
  for (let n = 0; n < count; n++) w.append(group('r1', n), n * 1000);
  return w;
}

const uris = (w: ReturnType<typeof filled>, rung: string) => w.media(rung)!.segments.map((s) => s.uri);

test('a new window is empty and lists nothing', () => {
  const w = createSegmentWindow(OPTS);
  assert.equal(w.size, 0);
  assert.equal(w.listedCount, 0);
  assert.equal(w.ended, false);
  assert.deepEqual(w.media('720p'), { targetDuration: 2, mediaSequence: 0, discontinuitySequence: 0, segments: [], ended: false });
  assert.equal(w.media('1080p'), undefined);
});

test('a group adds one entry per rung, all with the same sequence number', () => {
  const w = filled(2);
  assert.equal(w.listedCount, 2);
  assert.equal(w.size, 6);
  for (const rung of RUNGS) {
    assert.deepEqual(uris(w, rung), [`r1/${rung}/0.ts`, `r1/${rung}/1.ts`]);
    assert.equal(w.media(rung)!.mediaSequence, 0);
    assert.equal(w.lookup('r1', rung, '1.ts')!.seq, 1);
    assert.equal(w.lookup('r1', rung, '1.ts')!.bytes!.toString(), `r1/${rung}/1`);
  }
});

test('parts for rungs the window does not know are ignored', () => {
  const w = createSegmentWindow(OPTS);
  w.append(group('r1', 0, 2, [...RUNGS, '1080p']), 0);
  assert.equal(w.size, 3);
  assert.equal(w.lookup('r1', '1080p', '0.ts'), undefined);
});

test('the window keeps the last windowSize segments and the media sequence moves with it', () => {
  const w = filled(5);
  for (const rung of RUNGS) {
    assert.deepEqual(uris(w, rung), [`r1/${rung}/2.ts`, `r1/${rung}/3.ts`, `r1/${rung}/4.ts`]);
    assert.equal(w.media(rung)!.mediaSequence, 2);
  }
  assert.equal(w.listedCount, 5);
});

test('a segment sliding out loses its bytes but stays resolvable until its grace has passed', () => {
  const w = filled(4); // segment 0 retired at t=3000, due at 13000
  const old = w.lookup('r1', '720p', '0.ts');
  assert.ok(old);
  assert.equal(old.bytes, undefined);
  assert.equal(old.path, '/tmp/runs/r1/720p/0.ts');
  assert.ok(w.lookup('r1', '720p', '1.ts')!.bytes, 'a listed segment keeps its bytes');
  assert.equal(w.size, 12);

  assert.deepEqual(w.takeExpired(12_999), []);
  assert.ok(w.lookup('r1', '480p', '0.ts'));

  const expired = w.takeExpired(13_000);
  assert.deepEqual(expired.map((s) => `${s.rung}/${s.file}`).sort(), ['360p/0.ts', '480p/0.ts', '720p/0.ts']);
  for (const rung of RUNGS) assert.equal(w.lookup('r1', rung, '0.ts'), undefined);
  assert.equal(w.size, 9);
  assert.deepEqual(w.takeExpired(100_000), [], 'listed segments never expire');
});

test('takeExpired returns segments in retirement order, each once', () => {
  const w = filled(6); // 0 retired at 3000, 1 at 4000, 2 at 5000
  assert.deepEqual(w.takeExpired(14_000).map((s) => s.seq), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(w.takeExpired(14_000), []);
  assert.deepEqual(w.takeExpired(15_000).map((s) => s.seq), [2, 2, 2]);
});

test('markDiscontinuity flags only the next appended segment', () => {
  const w = filled(1);
  w.markDiscontinuity();
  w.append(group('r2', 0), 1000);
  w.append(group('r2', 1), 2000);
  for (const rung of RUNGS) {
    assert.deepEqual(
      w.media(rung)!.segments.map((s) => [s.uri, s.discontinuity]),
      [
        [`r1/${rung}/0.ts`, false],
        [`r2/${rung}/0.ts`, true],
        [`r2/${rung}/1.ts`, false],
      ],
    );
  }
  assert.equal(w.lookup('r2', '480p', '0.ts')!.discontinuity, true);
});

test('a discontinuity before the first segment is not flagged on seq 0 (nor carried over)', () => {
  const w = createSegmentWindow(OPTS);
  w.markDiscontinuity();
  w.append(group('r1', 0), 0);
  w.append(group('r1', 1), 1000);
  assert.deepEqual(w.media('720p')!.segments.map((s) => s.discontinuity), [false, false]);
});

test('discontinuitySequence counts discontinuities that slid out of the window, in every rung', () => {
  const w = filled(2);
  w.markDiscontinuity();
  w.append(group('r2', 0), 2000); // seq 2, discontinuity
  w.append(group('r2', 1), 3000); // seq 3: 0 slides out
  w.append(group('r2', 2), 4000); // seq 4: 1 slides out
  for (const rung of RUNGS) assert.equal(w.media(rung)!.discontinuitySequence, 0);
  w.append(group('r2', 3), 5000); // seq 5: the discontinuity slides out
  for (const rung of RUNGS) {
    const m = w.media(rung)!;
    assert.equal(m.discontinuitySequence, 1, rung);
    assert.equal(m.mediaSequence, 3);
    assert.ok(m.segments.every((s) => !s.discontinuity));
  }
  w.markDiscontinuity();
  w.append(group('r3', 0), 6000);
  for (let n = 1; n <= 3; n++) w.append(group('r3', n), 6000 + n * 1000);
  assert.equal(w.media('360p')!.discontinuitySequence, 2);
});

test('end() ends every media playlist and makes append a no-op', () => {
  const w = filled(2);
  const before = w.version;
  w.end();
  assert.equal(w.ended, true);
  assert.ok(w.version > before);
  for (const rung of RUNGS) assert.equal(w.media(rung)!.ended, true);
  const after = w.version;
  w.append(group('r1', 2), 5000);
  assert.equal(w.listedCount, 2);
  assert.equal(w.size, 6);
  assert.equal(w.lookup('r1', '720p', '2.ts'), undefined);
  assert.equal(w.version, after);
  w.end();
  assert.equal(w.version, after, 'a second end() changes nothing');
});

test('retireAll empties the window; the segments stay resolvable until they expire', () => {
  const w = filled(3);
  w.retireAll(10_000);
  for (const rung of RUNGS) {
    const m = w.media(rung)!;
    assert.deepEqual(m.segments, []);
    assert.equal(m.mediaSequence, 3, 'an empty window shows the next sequence number');
  }
  assert.equal(w.size, 9);
  const seg = w.lookup('r1', '360p', '2.ts');
  assert.ok(seg);
  assert.equal(seg.bytes, undefined);
  assert.equal(w.takeExpired(19_999).length, 0);
  assert.equal(w.takeExpired(20_000).length, 9);
  assert.equal(w.size, 0);
});

test('targetDuration is the ceiling of the longest duration, never below segmentSeconds, and never shrinks', () => {
  const w = createSegmentWindow({ ...OPTS, segmentSeconds: 4 });
  w.append(group('r1', 0, 1.5), 0);
  assert.equal(w.media('720p')!.targetDuration, 4);
  const v = createSegmentWindow(OPTS);
  v.append(group('r1', 0, 2), 0);
  assert.equal(v.media('720p')!.targetDuration, 2);
  v.append(group('r1', 1, 2.04), 1000);
  assert.equal(v.media('480p')!.targetDuration, 3);
  for (let n = 2; n < 8; n++) v.append(group('r1', n, 2), n * 1000); // the long one slid out long ago
  assert.equal(v.media('360p')!.targetDuration, 3);
});

test('version moves on every visible change', () => {
  const w = createSegmentWindow(OPTS);
  const seen = [w.version];
  w.append(group('r1', 0), 0);
  seen.push(w.version);
  w.append(group('r1', 1), 1000);
  seen.push(w.version);
  w.retireAll(2000);
  seen.push(w.version);
  w.end();
  seen.push(w.version);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `version did not increase at step ${i}: ${seen.join(',')}`);
});

test('hasRun is true while any segment of the run is known', () => {
  const w = filled(1);
  w.markDiscontinuity();
  for (let n = 0; n < 3; n++) w.append(group('r2', n), 1000 + n * 1000); // r1/0 retired at 3000
  assert.ok(w.hasRun('r1'));
  assert.ok(w.hasRun('r2'));
  assert.ok(!w.hasRun('r9'));
  w.takeExpired(13_000);
  assert.ok(!w.hasRun('r1'));
  assert.ok(w.hasRun('r2'));
});

test('with a DVR range, segments past the hot window stay listed in the DVR playlists, read from disk', () => {
  const w = createSegmentWindow({ ...OPTS, dvrSize: 5 });
  for (let n = 0; n < 7; n++) w.append(group('r1', n), n * 1000);
  assert.deepEqual(uris(w, '720p'), ['r1/720p/4.ts', 'r1/720p/5.ts', 'r1/720p/6.ts']);
  const dvr = w.media('720p', 'dvr')!;
  assert.deepEqual(dvr.segments.map((s) => s.uri), ['r1/720p/2.ts', 'r1/720p/3.ts', 'r1/720p/4.ts', 'r1/720p/5.ts', 'r1/720p/6.ts']);
  assert.equal(dvr.mediaSequence, 2);
  // in the DVR range but out of the hot window: no bytes in memory, still found
  assert.equal(w.lookup('r1', '720p', '2.ts')!.bytes, undefined);
  assert.ok(w.lookup('r1', '720p', '5.ts')!.bytes);
  // past the DVR range: retired, then expired for deletion
  assert.ok(w.lookup('r1', '720p', '1.ts'));
  const expired = w.takeExpired(6000 + OPTS.retentionMs);
  assert.deepEqual(expired.filter((s) => s.rung === '720p').map((s) => s.file), ['0.ts', '1.ts']);
  assert.equal(w.lookup('r1', '720p', '2.ts')?.file, '2.ts');
});

test('the DVR playlists count the discontinuities that left them on their own', () => {
  const w = createSegmentWindow({ ...OPTS, windowSize: 3, dvrSize: 6 });
  w.append(group('r1', 0), 0);
  w.markDiscontinuity();
  for (let n = 0; n < 4; n++) w.append(group('r2', n), 1000 + n * 1000);
  assert.equal(w.media('720p')!.discontinuitySequence, 1, 'the hot window lost the discontinuity');
  assert.equal(w.media('720p', 'dvr')!.discontinuitySequence, 0, 'the DVR range still lists it');
  assert.equal(w.media('720p', 'dvr')!.segments[1]!.discontinuity, true);
});

test('program dates run on within a run and restart from the clock after a break', () => {
  const w = createSegmentWindow({ ...OPTS, dvrSize: 10 });
  const [first] = w.append(group('r1', 0, 2), 10_000);
  const [second] = w.append(group('r1', 1, 2), 12_500); // listed late: still dated where the first ended
  w.markDiscontinuity();
  const [third] = w.append(group('r2', 0, 2), 30_000);
  assert.equal(first!.programDateTime, 8000);
  assert.equal(second!.programDateTime, 10_000);
  assert.equal(third!.programDateTime, 28_000);
  assert.equal(w.dvrStart, 8000);
  assert.deepEqual(w.media('480p', 'dvr')!.segments.map((s) => s.programDateTime), [8000, 10_000, 28_000]);
});

test('without a DVR range the DVR playlists are the hot window', () => {
  const w = filled(5);
  assert.deepEqual(w.media('720p', 'dvr'), w.media('720p'));
});
