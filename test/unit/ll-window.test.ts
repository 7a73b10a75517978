import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLowLatencyWindow, type Fragment, type LowLatencyWindow, type LowLatencyWindowOptions } from '../../server/live/ll-window.ts';

const RUNGS = ['720p', '360p'];
/** 1 s segments of three 1/3 s parts (a keyframe every third fragment). */
const OPTS: LowLatencyWindowOptions = { rungs: RUNGS, segmentSeconds: 1, partTarget: 0.334, windowSegments: 4, retainSegments: 2 };
const PART = 1 / 3;

/** Fragment `i` of a run in one rung: starts at i/3 s, lasts 1/3 s, a keyframe when i is a multiple of 3. */
function frag(run: string, rung: string, i: number, over: Partial<Fragment['info']> = {}): Fragment {
  return { bytes: Buffer.from(`${run}/${rung}/${i};`), info: { start: i * PART, duration: PART, keyframe: i % 3 === 0, ...over } };
}

/** Offers fragments from..to-1 of a run to every rung, rung by rung. */
function feed(w: LowLatencyWindow, run: string, from: number, to: number): void {
  for (let i = from; i < to; i++) RUNGS.forEach((rung, r) => w.offer(run, r, frag(run, rung, i)));
}

function windowWith(run: string, fragments: number, opts: LowLatencyWindowOptions = OPTS): LowLatencyWindow {
  const w = createLowLatencyWindow(opts);
  feed(w, run, 0, fragments);
  return w;
}

const listed = (w: LowLatencyWindow, rung = '720p') => w.media(rung)!.segments;

test('a new window is empty: no edge, no parts, the next part is 0.0', () => {
  const w = createLowLatencyWindow(OPTS);
  assert.equal(w.edge, undefined);
  assert.deepEqual(w.next, { msn: 0, part: 0 });
  assert.equal(w.has(0, 0), false);
  assert.equal(w.has(0, undefined), false);
  assert.equal(w.version, 0);
  assert.equal(w.ended, false);
  const state = w.media('720p')!;
  assert.deepEqual(state.segments, []);
  assert.equal(state.mediaSequence, 0);
  assert.deepEqual(state.renditionReports, []);
  assert.equal(w.media('1080p'), undefined);
});

test('nothing is published until every rung has offered the fragment', () => {
  const w = windowWith('r1', 4); // segment 0 (3 parts) and part 1.0
  const before = { version: w.version, edge: w.edge, media: RUNGS.map((r) => w.media(r)) };
  assert.deepEqual(before.edge, { msn: 1, part: 0 });

  w.offer('r1', 0, frag('r1', '720p', 4));
  assert.equal(w.version, before.version);
  assert.deepEqual(w.edge, before.edge);
  assert.deepEqual(RUNGS.map((r) => w.media(r)), before.media);
  assert.equal(w.has(1, 1), false);
  assert.equal(w.part('r1', '720p', 1, 1), undefined);

  w.offer('r1', 1, frag('r1', '360p', 4));
  assert.equal(w.version, before.version + 1);
  assert.deepEqual(w.edge, { msn: 1, part: 1 });
  assert.equal(w.has(1, 1), true);
  assert.equal(w.part('r1', '720p', 1, 1)!.bytes.toString(), 'r1/720p/4;');
  assert.equal(w.part('r1', '360p', 1, 1)!.bytes.toString(), 'r1/360p/4;');
});

test('a rung ahead of the others waits in its queue: parts are published in order as the slowest rung catches up', () => {
  const w = createLowLatencyWindow(OPTS);
  for (let i = 0; i < 3; i++) w.offer('r1', 1, frag('r1', '360p', i));
  assert.equal(w.edge, undefined);
  w.offer('r1', 0, frag('r1', '720p', 0));
  assert.deepEqual(w.edge, { msn: 0, part: 0 });
  w.offer('r1', 0, frag('r1', '720p', 1));
  w.offer('r1', 0, frag('r1', '720p', 2));
  assert.deepEqual(w.edge, { msn: 0, part: 2 });
  assert.deepEqual(listed(w, '360p')[0]!.parts.map((p) => p.uri), ['r1/360p/0.0.m4s', 'r1/360p/0.1.m4s', 'r1/360p/0.2.m4s']);
  assert.equal(w.part('r1', '360p', 0, 2)!.bytes.toString(), 'r1/360p/2;');
});

test('a keyframe in the lead rung starts a segment; the first part of each segment is independent, the others not', () => {
  const w = windowWith('r1', 10);
  for (const rung of RUNGS) {
    const segs = listed(w, rung);
    assert.deepEqual(segs.map((s) => s.uri), [0, 1, 2, 3].map((n) => `r1/${rung}/${n}.m4s`));
    assert.deepEqual(segs.map((s) => s.complete), [true, true, true, false]);
    assert.deepEqual(segs.map((s) => s.parts.length), [3, 3, 3, 1]);
    for (const s of segs) assert.deepEqual(s.parts.map((p) => p.independent), s.parts.map((_, k) => k === 0));
    assert.deepEqual(segs[2]!.parts.map((p) => p.uri), [0, 1, 2].map((k) => `r1/${rung}/2.${k}.m4s`));
  }
  assert.deepEqual(w.edge, { msn: 3, part: 0 });
});

test('a segment lasts the sum of its parts; the target duration grows to the longest segment, rounded', () => {
  const w = createLowLatencyWindow(OPTS);
  const durations = [0.25, 0.334, 0.25, 0.3, 0.3, 0.3, 0.3, 0.3];
  let start = 0;
  durations.forEach((duration, i) => {
    // keyframes at 0 and after the first three parts: a 0.834 s segment, then a 1.5 s one
    RUNGS.forEach((rung, r) => w.offer('r1', r, frag('r1', rung, i, { start, duration, keyframe: i === 0 || i === 3 })));
    start += duration;
  });
  w.offer('r1', 0, frag('r1', '720p', 8, { start, keyframe: true }));
  w.offer('r1', 1, frag('r1', '360p', 8, { start, keyframe: true }));
  const segs = listed(w);
  assert.equal(segs[0]!.duration, 0.25 + 0.334 + 0.25);
  assert.ok(Math.abs(segs[1]!.duration - 1.5) < 1e-9);
  assert.deepEqual(segs[0]!.parts.map((p) => p.duration), [0.25, 0.334, 0.25]);
  for (const s of segs.filter((x) => x.complete)) assert.ok(Math.abs(s.duration - s.parts.reduce((n, p) => n + p.duration, 0)) < 1e-9);
  assert.equal(w.media('720p')!.targetDuration, 2); // round(1.5)
});

test('segment() joins the parts of a complete segment, per rung; nothing for the open one or unknown names', () => {
  const w = windowWith('r1', 5);
  for (const rung of RUNGS) {
    const joined = w.segment('r1', rung, 0)!;
    assert.equal(joined.toString(), `r1/${rung}/0;r1/${rung}/1;r1/${rung}/2;`);
    assert.deepEqual(joined, Buffer.concat([0, 1, 2].map((k) => w.part('r1', rung, 0, k)!.bytes)));
    assert.equal(w.segment('r1', rung, 0), joined); // joined once
  }
  assert.equal(w.segment('r1', '720p', 1), undefined, 'segment 1 is still open');
  assert.equal(w.segment('r1', '1080p', 0), undefined);
  assert.equal(w.segment('r2', '720p', 0), undefined);
  assert.equal(w.segment('r1', '720p', 7), undefined);
  assert.equal(w.part('r1', '720p', 1, 2), undefined);
  assert.equal(w.part('r1', '1080p', 0, 0), undefined);
  assert.equal(w.part('r2', '720p', 0, 0), undefined);
  const p = w.part('r1', '360p', 1, 1)!;
  assert.equal(p.bytes.toString(), 'r1/360p/4;');
  assert.equal(p.duration, PART);
  assert.equal(p.independent, false);
  assert.equal(w.part('r1', '360p', 1, 0)!.independent, true);
});

test('misaligned rungs (keyframes or start times) are reported once per run; the lead rung decides where segments start', () => {
  const calls: Array<[string, string]> = [];
  const w = createLowLatencyWindow({ ...OPTS, onMisaligned: (run, detail) => calls.push([run, detail]) });
  feed(w, 'r1', 0, 3);
  // start times within 2 ms are aligned
  w.offer('r1', 0, frag('r1', '720p', 3));
  w.offer('r1', 1, frag('r1', '360p', 3, { start: 3 * PART + 0.0015 }));
  assert.deepEqual(calls, []);
  // rung 1 without the keyframe rung 0 has
  w.offer('r1', 0, frag('r1', '720p', 4, { keyframe: true }));
  w.offer('r1', 1, frag('r1', '360p', 4, { keyframe: false }));
  assert.equal(calls.length, 1);
  assert.equal(calls[0]![0], 'r1');
  assert.equal(typeof calls[0]![1], 'string');
  assert.deepEqual(w.edge, { msn: 2, part: 0 }, 'the lead rung keyframe started segment 2');
  // a keyframe only in the other rung does not start a segment
  w.offer('r1', 0, frag('r1', '720p', 5, { keyframe: false }));
  w.offer('r1', 1, frag('r1', '360p', 5, { keyframe: true }));
  assert.deepEqual(w.edge, { msn: 2, part: 1 });
  // start times 10 ms apart: still the same run, no second report
  w.offer('r1', 0, frag('r1', '720p', 6));
  w.offer('r1', 1, frag('r1', '360p', 6, { start: 6 * PART + 0.01 }));
  assert.equal(calls.length, 1);
  // a new run is reported again
  w.offer('r2', 0, frag('r2', '720p', 0));
  w.offer('r2', 1, frag('r2', '360p', 0, { start: 0.01 }));
  assert.deepEqual(calls.map((c) => c[0]), ['r1', 'r2']);
});

test('has(msn, part): part P of segment M or later; without a part, segment M complete or later', () => {
  const w = windowWith('r1', 5); // segment 0 complete, segment 1 open with parts 0 and 1
  assert.equal(w.has(0, undefined), true);
  assert.equal(w.has(0, 2), true);
  assert.equal(w.has(0, 9), true, 'a later segment exists');
  assert.equal(w.has(1, 0), true);
  assert.equal(w.has(1, 1), true);
  assert.equal(w.has(1, 2), false);
  assert.equal(w.has(1, undefined), false, 'segment 1 is not complete');
  assert.equal(w.has(2, 0), false);
  assert.equal(w.has(2, undefined), false);
  feed(w, 'r1', 5, 7); // part 1.2, then the keyframe completes segment 1
  assert.equal(w.has(1, 2), true);
  assert.equal(w.has(1, undefined), true);
  assert.equal(w.has(2, 0), true);
  assert.equal(w.has(2, 1), false);
});

test('wait() resolves "ready" once every rung has offered the part, and nobody is waiting any more', async () => {
  const w = windowWith('r1', 5);
  assert.equal(await w.wait(1, 1, 1000), 'ready');
  assert.equal(w.waiting, 0);
  const held = w.wait(1, 2, 10_000);
  const later = w.wait(2, 0, 10_000);
  assert.equal(w.waiting, 2);
  w.offer('r1', 0, frag('r1', '720p', 5));
  assert.equal(w.waiting, 2, 'one rung is not a part');
  w.offer('r1', 1, frag('r1', '360p', 5));
  assert.equal(await held, 'ready');
  assert.equal(w.waiting, 1);
  feed(w, 'r1', 6, 7);
  assert.equal(await later, 'ready');
  assert.equal(w.waiting, 0);
});

test('wait() for a whole segment resolves when endRun completes it', async () => {
  const w = windowWith('r1', 5);
  const held = w.wait(1, undefined, 10_000);
  assert.equal(w.waiting, 1);
  w.endRun('r1');
  assert.equal(await held, 'ready');
  assert.equal(w.waiting, 0);
});

test('wait() resolves "timeout" after its timeout when the part does not appear', async () => {
  const w = windowWith('r1', 5);
  const started = performance.now();
  const held = w.wait(3, 0, 50);
  assert.equal(w.waiting, 1);
  assert.equal(await held, 'timeout');
  assert.ok(performance.now() - started >= 40, 'not before its timeout');
  assert.equal(w.waiting, 0);
});

test('wait() resolves "ended" when the window ends, and at once after it ended', async () => {
  const w = windowWith('r1', 5);
  const a = w.wait(3, 0, 10_000);
  const b = w.wait(1, undefined, 10_000);
  assert.equal(w.waiting, 2);
  w.end();
  assert.deepEqual(await Promise.all([a, b]), ['ended', 'ended']);
  assert.equal(w.waiting, 0);
  assert.equal(await w.wait(0, 0, 10_000), 'ended');
  assert.equal(w.waiting, 0);
});

test('next is the part after the edge; after a full open segment (duration + partTarget/2 >= segmentSeconds) part 0 of the next segment', () => {
  const w = createLowLatencyWindow(OPTS);
  const hint = (rung: string) => w.media(rung)!.preloadHint;
  feed(w, 'r1', 0, 1);
  assert.deepEqual(w.next, { msn: 0, part: 1 });
  feed(w, 'r1', 1, 2);
  assert.deepEqual(w.next, { msn: 0, part: 2 }); // 0.667 + 0.167 < 1
  assert.equal(hint('720p'), 'r1/720p/0.2.m4s');
  assert.equal(hint('360p'), 'r1/360p/0.2.m4s');
  feed(w, 'r1', 2, 3);
  assert.deepEqual(w.next, { msn: 1, part: 0 }); // 1.0 s: full
  assert.equal(hint('720p'), 'r1/720p/1.0.m4s');
  feed(w, 'r1', 3, 4);
  assert.deepEqual(w.next, { msn: 1, part: 1 });
});

test('next: the segment-full threshold is exactly duration + partTarget/2 >= segmentSeconds', () => {
  const at = (third: number) => {
    const w = createLowLatencyWindow(OPTS);
    [0.334, 0.334, third].forEach((duration, i) => {
      const start = [0, 0.334, 0.668][i]!;
      RUNGS.forEach((rung, r) => w.offer('r1', r, frag('r1', rung, i, { start, duration, keyframe: i === 0 })));
    });
    return w.next;
  };
  assert.deepEqual(at(0.16), { msn: 0, part: 3 }); // 0.828 + 0.167 < 1
  assert.deepEqual(at(0.17), { msn: 1, part: 0 }); // 0.838 + 0.167 >= 1
});

test('endRun completes the open segment: listed whole, joinable, no preload hint, the next part is the next segment', () => {
  const w = windowWith('r1', 5);
  const version = w.version;
  w.endRun('r1');
  assert.ok(w.version > version);
  const segs = listed(w);
  assert.deepEqual(segs.map((s) => s.complete), [true, true]);
  assert.ok(Math.abs(segs[1]!.duration - 2 * PART) < 1e-9);
  assert.equal(w.segment('r1', '720p', 1)!.toString(), 'r1/720p/3;r1/720p/4;');
  assert.deepEqual(w.edge, { msn: 1, part: 1 });
  assert.deepEqual(w.next, { msn: 2, part: 0 });
  assert.equal(w.media('720p')!.preloadHint, undefined);
  assert.equal(w.media('720p')!.ended, false);
});

test('offers from an ended run are ignored', () => {
  const w = windowWith('r1', 5);
  w.endRun('r1');
  const before = { version: w.version, media: w.media('720p') };
  feed(w, 'r1', 5, 8);
  assert.equal(w.version, before.version);
  assert.deepEqual(w.media('720p'), before.media);
  // and a run superseded by a new one
  feed(w, 'r2', 0, 2);
  const after = { version: w.version, media: w.media('720p') };
  feed(w, 'r1', 8, 10);
  assert.equal(w.version, after.version);
  assert.deepEqual(w.media('720p'), after.media);
});

test('a second run: its first segment is a discontinuity with its own init segment (EXT-X-MAP); the old open segment is completed', () => {
  const w = windowWith('r1', 5);
  RUNGS.forEach((rung, r) => {
    w.setInit('r1', r, Buffer.from(`init r1 ${rung}`));
    w.setInit('r2', r, Buffer.from(`init r2 ${rung}`));
  });
  w.offer('r2', 0, frag('r2', '720p', 0));
  // the old run is over, the new one has not published yet: the hint names the new run's first part
  assert.deepEqual(listed(w).map((s) => s.complete), [true, true]);
  assert.equal(w.media('720p')!.preloadHint, 'r2/720p/2.0.m4s');
  w.offer('r2', 1, frag('r2', '360p', 0));
  feed(w, 'r2', 1, 4);
  for (const rung of RUNGS) {
    const segs = listed(w, rung);
    assert.deepEqual(segs.map((s) => s.uri), [`r1/${rung}/0.m4s`, `r1/${rung}/1.m4s`, `r2/${rung}/2.m4s`, `r2/${rung}/3.m4s`]);
    assert.deepEqual(segs.map((s) => s.discontinuity), [false, false, true, false]);
    assert.deepEqual(segs.map((s) => s.mapUri), [`r1/${rung}/init.mp4`, `r1/${rung}/init.mp4`, `r2/${rung}/init.mp4`, `r2/${rung}/init.mp4`]);
    assert.equal(segs[2]!.parts[0]!.independent, true);
    assert.equal(w.init('r1', rung)!.toString(), `init r1 ${rung}`);
    assert.equal(w.init('r2', rung)!.toString(), `init r2 ${rung}`);
  }
  assert.equal(w.init('r1', '1080p'), undefined);
  assert.equal(w.init('r3', '720p'), undefined);
  assert.equal(w.segment('r1', '720p', 2), undefined, 'segment 2 belongs to r2');
  assert.equal(w.segment('r2', '720p', 2)!.toString(), 'r2/720p/0;r2/720p/1;r2/720p/2;');
  assert.equal(w.segment('r1', '720p', 1)!.toString(), 'r1/720p/3;r1/720p/4;');
});

test('program date-times follow media time within a run', () => {
  const w = windowWith('r1', 10);
  const segs = listed(w);
  for (let i = 1; i < segs.length; i++) {
    assert.ok(Math.abs(segs[i]!.programDateTime - segs[i - 1]!.programDateTime - segs[i - 1]!.duration * 1000) < 1e-6);
  }
  // the first part ended about when it was published
  assert.ok(Math.abs(segs[0]!.programDateTime + PART * 1000 - Date.now()) < 5_000);
});

test('trimming: media() lists at most windowSegments complete segments; windowSegments + retainSegments stay fetchable', () => {
  const w = windowWith('r1', 31); // segments 0..9 complete, 10 open
  const state = w.media('720p')!;
  assert.equal(state.mediaSequence, 6);
  assert.deepEqual(state.segments.map((s) => s.uri), [6, 7, 8, 9, 10].map((n) => `r1/720p/${n}.m4s`));
  assert.equal(state.segments.filter((s) => s.complete).length, 4);
  assert.ok(w.segment('r1', '720p', 4), 'retained');
  assert.ok(w.part('r1', '720p', 4, 0), 'retained');
  assert.equal(w.segment('r1', '720p', 3), undefined, 'trimmed');
  assert.equal(w.part('r1', '720p', 3, 0), undefined, 'trimmed');
  assert.equal(w.has(3, 0), true, 'a trimmed segment is in the past');
});

test('trimming: the discontinuity sequence counts the discontinuities before the first listed segment; trimmed runs lose their init', () => {
  const opts = { ...OPTS, windowSegments: 3, retainSegments: 1 };
  const w = createLowLatencyWindow(opts);
  const discontinuities = new Set<number>(); // msns of the runs' first segments after the first run
  let msn = 0;
  for (let run = 0; run < 6; run++) {
    const id = `r${run}`;
    RUNGS.forEach((_, r) => w.setInit(id, r, Buffer.from(`init ${id}`)));
    if (run > 0) discontinuities.add(msn);
    feed(w, id, 0, 6); // two segments each
    w.endRun(id);
    msn += 2;
    const state = w.media('720p')!;
    const first = state.segments[0]!;
    const expected = [...discontinuities].filter((n) => n < state.mediaSequence).length;
    assert.equal(state.discontinuitySequence, expected, `after run ${id}`);
    assert.deepEqual(state.segments.map((s) => s.discontinuity), state.segments.map((_, i) => discontinuities.has(state.mediaSequence + i)));
    assert.equal(state.segments.filter((s) => s.complete).length, Math.min(3, msn));
    assert.ok(first.uri.endsWith(`/${state.mediaSequence}.m4s`));
  }
  // 12 segments made, 4 kept (msns 8..11: runs r4 and r5)
  assert.equal(w.media('720p')!.mediaSequence, 9);
  assert.equal(w.init('r3', '720p'), undefined);
  assert.equal(w.init('r4', '720p')!.toString(), 'init r4');
  assert.equal(w.init('r5', '720p')!.toString(), 'init r5');
});

test('rendition reports list every other rung at the edge', () => {
  const three = { ...OPTS, rungs: ['1080p', '720p', '360p'] };
  const w = createLowLatencyWindow(three);
  assert.deepEqual(w.media('720p')!.renditionReports, []);
  for (let i = 0; i < 5; i++) three.rungs.forEach((rung, r) => w.offer('r1', r, frag('r1', rung, i)));
  assert.deepEqual(w.media('720p')!.renditionReports, [
    { uri: 'll-1080p.m3u8', lastMsn: 1, lastPart: 1 },
    { uri: 'll-360p.m3u8', lastMsn: 1, lastPart: 1 },
  ]);
  assert.deepEqual(w.media('1080p')!.renditionReports.map((r) => r.uri), ['ll-720p.m3u8', 'll-360p.m3u8']);
});

test('end(): the open segment is complete, the state is ended, later offers are ignored', () => {
  const w = windowWith('r1', 5);
  const version = w.version;
  w.end();
  assert.equal(w.ended, true);
  assert.ok(w.version > version);
  const state = w.media('720p')!;
  assert.equal(state.ended, true);
  assert.deepEqual(state.segments.map((s) => s.complete), [true, true]);
  const ended = w.version;
  w.end();
  feed(w, 'r1', 5, 8);
  feed(w, 'r2', 0, 3);
  assert.equal(w.version, ended);
  assert.deepEqual(w.media('720p'), state);
});

test('end(): the state has no preload hint', () => {
  const w = windowWith('r1', 5);
  w.end();
  assert.equal(w.media('720p')!.preloadHint, undefined);
});

test('every change of media() bumps the version (playlists are cached by version)', () => {
  const w = windowWith('r1', 5);
  w.offer('r2', 0, frag('r2', '720p', 0)); // r1 ends; r2 has not published a part yet
  const before = { version: w.version, media: w.media('720p') };
  assert.equal(before.media!.preloadHint, 'r2/720p/2.0.m4s');
  w.endRun('r2'); // r2's transcoder exits before every rung wrote a fragment
  assert.notDeepEqual(w.media('720p'), before.media);
  assert.notEqual(w.version, before.version);
});
