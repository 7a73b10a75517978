import { test } from 'node:test';
import assert from 'node:assert/strict';
import HLS from 'hls-parser';
import type { MediaPlaylist } from 'hls-parser/types.js';
import { renderLowLatencyPlaylist, serverControl, type LowLatencyPlaylistState, type LowLatencySegment } from '../../server/hls/ll-playlist.ts';
import type { QueryCarrier } from '../../server/hls/playlist.ts';
import { createLowLatencyWindow, type LowLatencyWindow } from '../../server/live/ll-window.ts';
import { checkLowLatencyRules, hintOf, realSegments, sequenceNumbers } from '../helpers/ll-rules.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const PART = 1 / 3;
const CARRIER: QueryCarrier = { params: ['Policy', 'Signature', 'Key-Pair-Id'], prefix: '../' };
const QUERY = '?Policy={$Policy}&Signature={$Signature}&Key-Pair-Id={$Key-Pair-Id}';

/** Parts of at most 0.334 s filling `duration`. */
function partsOf(duration: number): number[] {
  const out: number[] = [];
  let left = duration;
  while (left > 1e-9) {
    const d = Math.min(0.334, left);
    out.push(d);
    left -= d;
  }
  return out;
}

/** A hand-built segment of run `run`, rung 720p, starting `start` seconds after T0. */
function seg(run: string, msn: number, start: number, parts: number[], o: { complete?: boolean; discontinuity?: boolean } = {}): LowLatencySegment {
  return {
    uri: `${run}/720p/${msn}.m4s`,
    duration: parts.reduce((n, d) => n + d, 0),
    complete: o.complete ?? true,
    discontinuity: o.discontinuity ?? false,
    programDateTime: T0 + start * 1000,
    mapUri: `${run}/720p/init.mp4`,
    parts: parts.map((duration, k) => ({ uri: `${run}/720p/${msn}.${k}.m4s`, duration, independent: k === 0 })),
  };
}

/** Segments msn first.. with the given durations (the last one open when `open` parts are given), run r1. */
function segments(first: number, durations: number[], open?: number[]): LowLatencySegment[] {
  const out: LowLatencySegment[] = [];
  let start = 0;
  durations.forEach((d, i) => {
    out.push(seg('r1', first + i, start, partsOf(d)));
    start += d;
  });
  if (open) out.push(seg('r1', first + durations.length, start, open, { complete: false }));
  return out;
}

function state(segs: LowLatencySegment[], o: Partial<LowLatencyPlaylistState> = {}): LowLatencyPlaylistState {
  const last = segs.at(-1)!;
  const msn = Number(/(\d+)\.m4s$/.exec(last.uri)![1]);
  const hint = last.complete ? `r1/720p/${msn + 1}.0.m4s` : `r1/720p/${msn}.${last.parts.length}.m4s`;
  return {
    targetDuration: 1,
    partTarget: 0.334,
    mediaSequence: Number(/(\d+)\.m4s$/.exec(segs[0]!.uri)![1]),
    discontinuitySequence: 0,
    segments: segs,
    preloadHint: hint,
    renditionReports: [{ uri: 'll-360p.m3u8', lastMsn: msn, lastPart: last.parts.length - 1 }],
    ended: false,
    ...o,
  };
}

/** Segments 10..13 complete (1 s each, three parts of 1/3 s), 14 open with two parts. */
const BASE = state([...[10, 11, 12, 13].map((msn, i) => seg('r1', msn, i, [PART, PART, PART])), seg('r1', 14, 4, [PART, PART], { complete: false })]);

/** Complete segments of uneven length, then one open part: no segment ends near the skip boundary (6 s from the end). */
const SKIPPY_DURATIONS = [1, 0.9, 1.1, 0.95, 1.05, 1, 0.9, 1.1, 0.8, 1, 1.2, 0.9, 1, 0.7];

/** The state as the window leaves it on end(): the open segment complete, ENDLIST. */
function endedOf(s: LowLatencyPlaylistState): LowLatencyPlaylistState {
  return { ...s, ended: true, preloadHint: undefined, segments: s.segments.map((x) => ({ ...x, complete: true })) };
}

const lines = (text: string) => text.split('\n');
const pdt = (s: LowLatencySegment) => `#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTime).toISOString()}`;

/** Parses strictly and checks the LL-HLS rules; fails with the playlist when anything is wrong. */
function valid(text: string): MediaPlaylist {
  const { playlist, problems } = checkLowLatencyRules(text);
  assert.deepEqual(problems, [], text);
  HLS.setOptions({ strictMode: true });
  HLS.parse(text); // and hls-parser alone, strict, accepts it as is
  return playlist;
}

test('a live playlist: header, parts of the last three segments, the preload hint and the rendition reports (golden)', () => {
  const s = BASE.segments;
  const part = (msn: number, k: number) => `#EXT-X-PART:DURATION=0.33333,URI="r1/720p/${msn}.${k}.m4s"${k === 0 ? ',INDEPENDENT=YES' : ''}`;
  assert.equal(
    renderLowLatencyPlaylist(BASE),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.002,CAN-SKIP-UNTIL=6.0',
      '#EXT-X-PART-INF:PART-TARGET=0.334',
      '#EXT-X-MEDIA-SEQUENCE:10',
      '#EXT-X-MAP:URI="r1/720p/init.mp4"',
      pdt(s[0]!),
      '#EXTINF:1.00000,',
      'r1/720p/10.m4s',
      pdt(s[1]!),
      '#EXTINF:1.00000,',
      'r1/720p/11.m4s',
      pdt(s[2]!),
      part(12, 0), part(12, 1), part(12, 2),
      '#EXTINF:1.00000,',
      'r1/720p/12.m4s',
      pdt(s[3]!),
      part(13, 0), part(13, 1), part(13, 2),
      '#EXTINF:1.00000,',
      'r1/720p/13.m4s',
      pdt(s[4]!),
      part(14, 0), part(14, 1),
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="r1/720p/14.2.m4s"',
      '#EXT-X-RENDITION-REPORT:URI="ll-360p.m3u8",LAST-MSN=14,LAST-PART=1',
      '',
    ].join('\n'),
  );
});

test('hand-built playlists pass hls-parser in strict mode and the LL-HLS rules, plain and with the q/ carrier', () => {
  for (const carrier of [undefined, CARRIER]) {
    const p = valid(renderLowLatencyPlaylist(BASE, { carrier }));
    assert.equal(p.targetDuration, 1);
    assert.equal(p.partTargetDuration, 0.334);
    assert.equal(p.mediaSequenceBase, 10);
    assert.equal(p.endlist, false);
    assert.deepEqual(p.segments.map((x) => x.mediaSequenceNumber), [10, 11, 12, 13, 14]);
    assert.deepEqual(p.segments.map((x) => x.parts.length), [0, 0, 3, 3, 3]); // the open segment's two parts and the hint
    assert.equal(p.segments.at(-1)!.parts.at(-1)!.hint, true);
    assert.deepEqual(p.renditionReports.map((r) => [r.lastMSN, r.lastPart]), [[14, 1]]);
  }
  // a long window with a run change, and an ended one
  const long = state(segments(0, SKIPPY_DURATIONS, [0.334]));
  for (const s of [long, endedOf(long), runChange(), endedOf(runChange())]) {
    for (const carrier of [undefined, CARRIER]) for (const skip of [false, true]) valid(renderLowLatencyPlaylist(s, { carrier, skip }));
  }
});

test('the rule checker finds what is wrong', () => {
  const text = renderLowLatencyPlaylist(BASE);
  const problems = (t: string) => checkLowLatencyRules(t).problems;
  assert.deepEqual(problems(text), []);
  assert.ok(problems(text.replace('PART-HOLD-BACK=1.002', 'PART-HOLD-BACK=0.600')).some((p) => p.includes('PART-HOLD-BACK')));
  assert.ok(problems(text.replace('CAN-SKIP-UNTIL=6.0', 'CAN-SKIP-UNTIL=5.0')).some((p) => p.includes('CAN-SKIP-UNTIL') || p.includes('Skip Boundary')));
  assert.ok(problems(text.replace('URI="r1/720p/14.2.m4s"', 'URI="r1/720p/14.3.m4s"')).some((p) => p.includes('preload hint')));
  assert.ok(problems(text.replace('DURATION=0.33333,URI="r1/720p/14.1.m4s"', 'DURATION=0.34000,URI="r1/720p/14.1.m4s"')).some((p) => p.includes('PART-TARGET')));
  assert.ok(problems(text.replace('URI="r1/720p/13.1.m4s"', 'URI="r1/720p/13.2.m4s"')).some((p) => p.includes('part 1 of segment 13')));
  assert.ok(problems(text.replace('r1/720p/11.m4s', 'r1/720p/12.m4s')).some((p) => p.includes('not media sequence number 11')));
  assert.ok(problems(text.replace('LAST-MSN=14,LAST-PART=1', 'LAST-MSN=14,LAST-PART=0')).some((p) => p.includes('rendition report')));
  const moved = text.replace('#EXTINF:1.00000,\nr1/720p/11.m4s', '#EXT-X-PART:DURATION=1.00000,URI="r1/720p/11.0.m4s",INDEPENDENT=YES\n#EXTINF:1.00000,\nr1/720p/11.m4s');
  assert.notEqual(moved, text);
  assert.ok(problems(moved).some((p) => p.includes('segment 11 lists parts but is not one of the last three')), 'parts before the last three segments');
});

test('SERVER-CONTROL: blocking reload, PART-HOLD-BACK three part targets rounded up to the ms, CAN-SKIP-UNTIL six target durations', () => {
  const cases: Array<[number, number, string, string]> = [
    [1, 0.334, '1.002', '6.0'],
    [2, 0.5, '1.500', '12.0'],
    [2, 0.36, '1.080', '12.0'],
    [4, 0.3333, '1.000', '24.0'],
    [1, 0.2, '0.600', '6.0'],
  ];
  for (const [td, pt, holdBack, skipUntil] of cases) {
    const text = renderLowLatencyPlaylist({ ...BASE, targetDuration: td, partTarget: pt });
    assert.ok(lines(text).includes(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${holdBack},CAN-SKIP-UNTIL=${skipUntil}`), `${td} ${pt}`);
    assert.ok(lines(text).includes(`#EXT-X-PART-INF:PART-TARGET=${pt.toFixed(3)}`));
    const sc = serverControl(td, pt);
    assert.equal(sc.partHoldBack, Number(holdBack));
    assert.ok(sc.partHoldBack >= 3 * pt - 1e-9 && sc.partHoldBack < 3 * pt + 0.001);
    assert.equal(sc.canSkipUntil, 6 * td);
  }
});

test('version 9 plain; 11 with a carrier, followed by its EXT-X-DEFINE:QUERYPARAM lines', () => {
  assert.deepEqual(lines(renderLowLatencyPlaylist(BASE)).slice(0, 3), ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:1']);
  assert.deepEqual(lines(renderLowLatencyPlaylist(BASE, { carrier: CARRIER })).slice(0, 6), [
    '#EXTM3U',
    '#EXT-X-VERSION:11',
    '#EXT-X-DEFINE:QUERYPARAM="Policy"',
    '#EXT-X-DEFINE:QUERYPARAM="Signature"',
    '#EXT-X-DEFINE:QUERYPARAM="Key-Pair-Id"',
    '#EXT-X-TARGETDURATION:1',
  ]);
  assert.ok(!renderLowLatencyPlaylist(BASE).includes('EXT-X-DEFINE'));
});

test('with the q/ carrier every URI is ../<uri> with the signature references; rendition reports sit beside the playlist (no ../)', () => {
  const s = runChange();
  const plain = renderLowLatencyPlaylist(s);
  const query = renderLowLatencyPlaylist(s, { carrier: CARRIER });
  // the same playlist, URI by URI
  const expected = lines(plain)
    .flatMap((l) => (l === '#EXT-X-VERSION:9' ? ['#EXT-X-VERSION:11', ...CARRIER.params.map((p) => `#EXT-X-DEFINE:QUERYPARAM="${p}"`)] : [l]))
    .map((l) => {
      if (l !== '' && !l.startsWith('#')) return `../${l}${QUERY}`;
      if (l.startsWith('#EXT-X-RENDITION-REPORT:')) return l.replace(/URI="([^"]+)"/, `URI="$1${QUERY}"`);
      return l.replace(/URI="([^"]+)"/, `URI="../$1${QUERY}"`);
    });
  assert.equal(query, expected.join('\n'));
  // and as a player reads it
  const p = valid(query);
  const uris = [
    ...p.segments.flatMap((x) => [x.uri, ...x.parts.map((q) => q.uri)]).filter((u) => u),
    ...new Set(p.segments.slice(0, -1).map((x) => x.map.uri)), // hls-parser leaves the open segment's map unset
  ];
  assert.ok(uris.length > 10);
  for (const u of uris) assert.match(u, /^\.\.\/r[12]\/720p\/[\w.]+\?Policy=\{\$Policy\}&Signature=\{\$Signature\}&Key-Pair-Id=\{\$Key-Pair-Id\}$/);
  assert.ok(p.segments.at(-1)!.parts.some((q) => q.hint && q.uri === `../r2/720p/9.2.m4s${QUERY}`));
  assert.deepEqual(p.renditionReports.map((r) => r.uri), [`ll-360p.m3u8${QUERY}`, `ll-240p.m3u8${QUERY}`]);
});

/** Segments 0..5 of r1, 6..8 of r2 (a discontinuity and a new init), 9 open with two parts. */
function runChange(): LowLatencyPlaylistState {
  const segs = segments(0, [1, 1, 1, 1, 1, 1, 1, 1, 1], [PART, PART]).map((s, i) =>
    i < 6 ? s : { ...s, uri: s.uri.replace('r1/', 'r2/'), mapUri: 'r2/720p/init.mp4', discontinuity: i === 6, parts: s.parts.map((p) => ({ ...p, uri: p.uri.replace('r1/', 'r2/') })) },
  );
  return state(segs, {
    preloadHint: 'r2/720p/9.2.m4s',
    renditionReports: [
      { uri: 'll-360p.m3u8', lastMsn: 9, lastPart: 1 },
      { uri: 'll-240p.m3u8', lastMsn: 9, lastPart: 1 },
    ],
  });
}

test('a run change writes EXT-X-DISCONTINUITY and the new EXT-X-MAP before the segment, MAP only when it changes', () => {
  const text = renderLowLatencyPlaylist(runChange());
  const l = lines(text);
  assert.deepEqual(l.filter((x) => x.startsWith('#EXT-X-MAP')), ['#EXT-X-MAP:URI="r1/720p/init.mp4"', '#EXT-X-MAP:URI="r2/720p/init.mp4"']);
  assert.equal(l.filter((x) => x === '#EXT-X-DISCONTINUITY').length, 1);
  const at = l.indexOf('#EXT-X-DISCONTINUITY');
  assert.equal(l[at - 1], 'r1/720p/5.m4s');
  assert.equal(l[at + 1], '#EXT-X-MAP:URI="r2/720p/init.mp4"');
  assert.ok(l[at + 2]!.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
  const p = valid(text);
  assert.deepEqual(p.segments.map((x) => x.discontinuity ?? false), [false, false, false, false, false, false, true, false, false, false]);
  // (hls-parser leaves the open segment's map unset)
  assert.deepEqual(p.segments.slice(0, -1).map((x) => x.map.uri), [...Array(6).fill('r1/720p/init.mp4'), ...Array(3).fill('r2/720p/init.mp4')]);
  assert.ok(lines(renderLowLatencyPlaylist({ ...runChange(), discontinuitySequence: 3 })).includes('#EXT-X-DISCONTINUITY-SEQUENCE:3'));
  assert.ok(!text.includes('DISCONTINUITY-SEQUENCE'));
});

test('ended: EXT-X-ENDLIST and no PRELOAD-HINT, even when the state still names one', () => {
  const ended = endedOf(BASE);
  for (const s of [ended, { ...ended, preloadHint: BASE.preloadHint }]) {
    const text = renderLowLatencyPlaylist(s);
    assert.ok(lines(text).includes('#EXT-X-ENDLIST'));
    assert.ok(!text.includes('PRELOAD-HINT'));
    const p = valid(text);
    assert.equal(p.endlist, true);
    assert.equal(p.segments.at(-1)!.uri, 'r1/720p/14.m4s');
  }
  assert.ok(!renderLowLatencyPlaylist(BASE).includes('ENDLIST'));
});

test('PROGRAM-DATE-TIME on every segment, complete or open', () => {
  for (const s of [BASE, runChange()]) {
    const text = renderLowLatencyPlaylist(s);
    assert.deepEqual(lines(text).filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')), s.segments.map(pdt));
    const p = valid(text);
    assert.deepEqual(p.segments.map((x) => x.programDateTime?.getTime()), s.segments.map((x) => x.programDateTime));
  }
});

test('parts are listed only for segments ending within three target durations of the end, the last three at most', () => {
  const partsListed = (s: LowLatencyPlaylistState) => valid(renderLowLatencyPlaylist(s)).segments.map((x) => x.parts.filter((q) => !q.hint).length > 0);
  assert.deepEqual(partsListed(BASE), [false, false, true, true, true]);
  const many = state(segments(0, Array(10).fill(1), [PART]));
  assert.deepEqual(partsListed(many), [...Array(8).fill(false), true, true, true]);
  // a long open segment (no keyframe yet): the segment before the last complete one ends 1.4 + 1.67 s > 3 s from the end
  const long = state(segments(0, [1, 1, 1, 1.4], partsOf(1.67)));
  assert.deepEqual(partsListed(long), [false, false, false, true, true]);
});

/** The number of leading complete segments that end more than `boundary` seconds before the last complete segment ends. */
function skippableCount(durations: readonly number[], boundary: number, extra = 0): number {
  const end = durations.reduce((n, d) => n + d, 0) + extra;
  let t = 0;
  let n = 0;
  for (const d of durations) {
    t += d;
    if (end - t > boundary) n++;
    else break;
  }
  return n;
}

test('delta update: EXT-X-SKIP replaces exactly the leading segments ending more than CAN-SKIP-UNTIL before the end; the rest is the full playlist\'s tail', () => {
  const s = state(segments(20, SKIPPY_DURATIONS, [0.334]));
  const boundary = serverControl(1, 0.334).canSkipUntil;
  // the fixture has no segment ending within 50 ms of the boundary, measured from the last complete segment or from the open part
  let t = SKIPPY_DURATIONS.reduce((n, d) => n + d, 0);
  for (const d of SKIPPY_DURATIONS) {
    t -= d;
    assert.ok(Math.abs(t - boundary) > 0.05 && Math.abs(t + 0.334 - boundary) > 0.05);
  }
  const n = skippableCount(SKIPPY_DURATIONS, boundary);
  assert.equal(n, skippableCount(SKIPPY_DURATIONS, boundary, 0.334));
  assert.equal(n, 7);

  for (const carrier of [undefined, CARRIER]) {
    const full = renderLowLatencyPlaylist(s, { carrier });
    const delta = renderLowLatencyPlaylist(s, { carrier, skip: true });
    const fl = lines(full);
    const dl = lines(delta);
    // header: the full one's, with the skip after MEDIA-SEQUENCE (unchanged)
    const firstSegment = (l: string[]) => l.findIndex((x) => x.startsWith('#EXT-X-MAP') || x.startsWith('#EXT-X-PROGRAM-DATE-TIME'));
    assert.deepEqual(dl.slice(0, firstSegment(dl)), [...fl.slice(0, firstSegment(fl)), `#EXT-X-SKIP:SKIPPED-SEGMENTS=${n}`]);
    assert.ok(dl.includes('#EXT-X-MEDIA-SEQUENCE:20'));
    // from segment n's date-time on, line for line the full playlist
    const pdtAt = (l: string[], k: number) => l.map((x, i) => [x, i] as const).filter(([x]) => x.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))[k]![1];
    assert.deepEqual(dl.slice(pdtAt(dl, 0)), fl.slice(pdtAt(fl, n)));
    assert.equal(dl[pdtAt(dl, 0) - 1], fl.find((x) => x.startsWith('#EXT-X-MAP')), 'the init segment is named again');
    // as a player merges it
    const fp = valid(full);
    const dp = valid(delta);
    assert.equal(dp.skip, n);
    const view = (p: MediaPlaylist) => p.segments.map((x) => ({ msn: x.mediaSequenceNumber, uri: x.uri, duration: x.duration, map: x.map?.uri, d: x.discontinuity ?? false, parts: x.parts.map((q) => q.uri) }));
    assert.deepEqual(view(dp), view(fp).slice(n));
  }
});

test('delta update: no EXT-X-SKIP when no segment ends further than CAN-SKIP-UNTIL from the end', () => {
  const short = state(segments(3, [1, 1, 1, 1, 0.9], [PART]));
  assert.equal(renderLowLatencyPlaylist(short, { skip: true }), renderLowLatencyPlaylist(short));
  assert.equal(renderLowLatencyPlaylist(BASE, { skip: true, carrier: CARRIER }), renderLowLatencyPlaylist(BASE, { carrier: CARRIER }));
  assert.ok(!renderLowLatencyPlaylist(short, { skip: true }).includes('EXT-X-SKIP'));
  // and a full playlist never skips
  const long = state(segments(20, SKIPPY_DURATIONS, [0.334]));
  assert.ok(!renderLowLatencyPlaylist(long).includes('EXT-X-SKIP'));
});

test('delta update: a discontinuity on the first segment after the skip is kept', () => {
  const segs = segments(20, SKIPPY_DURATIONS, [0.334]).map((s, i) =>
    i < 7 ? s : { ...s, uri: s.uri.replace('r1/', 'r2/'), mapUri: 'r2/720p/init.mp4', discontinuity: i === 7, parts: s.parts.map((p) => ({ ...p, uri: p.uri.replace('r1/', 'r2/') })) },
  );
  const s = state(segs, { preloadHint: `r2/720p/${20 + SKIPPY_DURATIONS.length}.1.m4s` });
  const full = valid(renderLowLatencyPlaylist(s));
  const delta = valid(renderLowLatencyPlaylist(s, { skip: true }));
  assert.equal(delta.skip, 7);
  assert.equal(full.segments[7]!.discontinuity, true);
  assert.equal(delta.segments[0]!.discontinuity, true);
});

// ---- states from the window ----

const RUNGS = ['720p', '360p'];

function frag(run: string, rung: string, i: number) {
  return { bytes: Buffer.from(`${run}/${rung}/${i}`), info: { start: i * PART, duration: PART, keyframe: i % 3 === 0 } };
}

/** Drives a window through runs, run changes, an endRun and the end; calls `each` after every offer. */
function drive(w: LowLatencyWindow, each: (step: string) => void): void {
  const offer = (run: string, i: number) => {
    RUNGS.forEach((rung, r) => {
      w.offer(run, r, frag(run, rung, i));
      each(`${run} ${rung} ${i}`);
    });
  };
  for (let i = 0; i < 50; i++) offer('r1', i);
  for (let i = 0; i < 8; i++) offer('r2', i);
  w.endRun('r2');
  each('endRun r2');
  for (let i = 0; i < 26; i++) offer('r3', i);
  w.end();
  each('end');
}

test('playlists of the window at every step pass hls-parser strict and the LL-HLS rules (plain, q/, delta updates)', () => {
  const w = createLowLatencyWindow({ rungs: RUNGS, segmentSeconds: 1, partTarget: 0.334, windowSegments: 12, retainSegments: 12 });
  const problems: string[] = [];
  let rendered = 0;
  let skipped = 0;
  let between = 0;
  drive(w, (step) => {
    if (!w.edge) return; // the origin answers 404 until the first part
    for (const rung of RUNGS) {
      for (const carrier of [undefined, CARRIER]) {
        for (const skip of [false, true]) {
          const text = renderLowLatencyPlaylist(w.media(rung)!, { carrier, skip });
          const r = checkLowLatencyRules(text);
          rendered++;
          if (r.playlist.skip > 0) skipped++;
          if (hintOf(r.playlist) && realSegments(r.playlist).at(-1)?.uri) between++;
          problems.push(...r.problems.map((p) => `${step} ${rung}${carrier ? ' q/' : ''}${skip ? ' skip' : ''}: ${p}`));
        }
      }
    }
  });
  assert.deepEqual(problems.slice(0, 10), []);
  assert.ok(rendered > 1000);
  assert.ok(skipped > 100, 'delta updates were exercised');
  assert.ok(between > 0, 'a hint after a complete segment (between runs) was exercised');
});

test('a segment keeps its discontinuity sequence number from one reload to the next', () => {
  const w = createLowLatencyWindow({ rungs: RUNGS, segmentSeconds: 1, partTarget: 0.334, windowSegments: 3, retainSegments: 2 });
  const seen = new Map<number, number>();
  const changed: string[] = [];
  drive(w, (step) => {
    if (!w.edge) return;
    for (const { msn, dsn } of sequenceNumbers(checkLowLatencyRules(renderLowLatencyPlaylist(w.media('720p')!)).playlist)) {
      const before = seen.get(msn);
      if (before !== undefined && before !== dsn) changed.push(`${step}: segment ${msn} from ${before} to ${dsn}`);
      seen.set(msn, dsn);
    }
  });
  assert.deepEqual(changed.slice(0, 5), []);
});
