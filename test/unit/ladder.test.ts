import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LADDER, fitLadder, parseLadder, type SourceInfo } from '../../server/hls/ladder.ts';

const src = (width: number, height: number, fps = 30): SourceInfo => ({ width, height, fps, hasAudio: true });

test('parseLadder: a valid ladder comes back sorted tallest first', () => {
  assert.deepEqual(parseLadder(' 480p:1400k, 1080p:5000k,720p:3000k '), [
    { height: 1080, videoKbps: 5000 },
    { height: 720, videoKbps: 3000 },
    { height: 480, videoKbps: 1400 },
  ]);
  assert.deepEqual(parseLadder('360p:800k'), [{ height: 360, videoKbps: 800 }]);
});

test('parseLadder: malformed rungs are refused with an error naming the rung', () => {
  for (const bad of ['720:3000', '720p:3000', '720p-3000k', '720P:3000K', 'p:3000k', '720p:k', '720p:3000k;480p:1400k']) {
    const r = parseLadder(bad);
    assert.equal(typeof r, 'string', `${bad} was accepted`);
    assert.match(r as string, /is not <height>p:<kbps>k/);
  }
});

test('parseLadder: odd, too small and too large heights are refused', () => {
  for (const bad of ['721p:3000k', '62p:100k', '2162p:9000k']) {
    const r = parseLadder(bad);
    assert.equal(typeof r, 'string', `${bad} was accepted`);
    assert.match(r as string, /height must be even/);
  }
  assert.ok(Array.isArray(parseLadder('64p:100k,2160p:20000k')));
});

test('parseLadder: a bitrate under 50k is refused', () => {
  assert.match(parseLadder('360p:49k') as string, /at least 50k/);
});

test('parseLadder: a height listed twice is refused', () => {
  assert.match(parseLadder('720p:3000k,480p:1400k,720p:2000k') as string, /height 720 is listed twice/);
});

test('parseLadder: an empty ladder is refused', () => {
  assert.equal(parseLadder(''), 'the ladder is empty');
  assert.equal(parseLadder(' , ,'), 'the ladder is empty');
});

test('fitLadder: a 720p source gets 720p, 480p and 360p with even widths', () => {
  const rungs = fitLadder(DEFAULT_LADDER, src(1280, 720));
  assert.deepEqual(
    rungs.map((r) => [r.name, r.width, r.height, r.videoKbps]),
    [
      ['720p', 1280, 720, 3000],
      ['480p', 854, 480, 1400],
      ['360p', 640, 360, 800],
    ],
  );
});

test('fitLadder: a 1080p source gets all four rungs including 1080p', () => {
  const rungs = fitLadder(DEFAULT_LADDER, src(1920, 1080));
  assert.deepEqual(
    rungs.map((r) => [r.name, r.width, r.height]),
    [
      ['1080p', 1920, 1080],
      ['720p', 1280, 720],
      ['480p', 854, 480],
      ['360p', 640, 360],
    ],
  );
});

test('fitLadder: a source shorter than every rung gets one rung at its own height and the lowest bitrate', () => {
  const rungs = fitLadder(DEFAULT_LADDER, src(320, 240));
  assert.equal(rungs.length, 1);
  const [r] = rungs;
  assert.equal(r!.height, 240);
  assert.equal(r!.width, 320);
  assert.equal(r!.name, '240p');
  assert.equal(r!.videoKbps, 800);
  assert.equal(r!.maxrateKbps, 880);
});

test('fitLadder: an odd source height is floored to even for the fallback rung', () => {
  const rungs = fitLadder(DEFAULT_LADDER, src(426, 241));
  assert.equal(rungs.length, 1);
  assert.equal(rungs[0]!.height, 240);
  assert.equal(rungs[0]!.width % 2, 0);
});

test('fitLadder: maxrate is 1.1x and bufsize 1.5x the video bitrate', () => {
  for (const r of fitLadder(DEFAULT_LADDER, src(1920, 1080))) {
    assert.equal(r.maxrateKbps, Math.round(r.videoKbps * 1.1), r.name);
    assert.equal(r.bufsizeKbps, Math.round(r.videoKbps * 1.5), r.name);
  }
  const [r720] = fitLadder([{ height: 720, videoKbps: 3000 }], src(1280, 720));
  assert.equal(r720!.maxrateKbps, 3300);
  assert.equal(r720!.bufsizeKbps, 4500);
});

test('fitLadder: High profile above 480 lines, Main at and below, in profile and CODECS', () => {
  for (const r of fitLadder(DEFAULT_LADDER, src(1920, 1080))) {
    if (r.height > 480) {
      assert.equal(r.profile, 'high', r.name);
      assert.ok(r.codecs.startsWith('avc1.6400'), `${r.name}: ${r.codecs}`);
    } else {
      assert.equal(r.profile, 'main', r.name);
      assert.ok(r.codecs.startsWith('avc1.4d40'), `${r.name}: ${r.codecs}`);
    }
    assert.match(r.codecs, /^avc1\.[0-9a-f]{6}$/);
  }
});

test('fitLadder: CODECS and level for the 720p30 ladder', () => {
  assert.deepEqual(
    fitLadder(DEFAULT_LADDER, src(1280, 720, 30)).map((r) => [r.name, r.level, r.codecs]),
    [
      ['720p', '3.1', 'avc1.64001f'],
      ['480p', '3.1', 'avc1.4d401f'],
      ['360p', '3.0', 'avc1.4d401e'],
    ],
  );
});

test('fitLadder: 1080p60 needs level 4.2, 1080p30 level 4.0', () => {
  const r60 = fitLadder(DEFAULT_LADDER, src(1920, 1080, 60))[0]!;
  assert.equal(r60.level, '4.2');
  assert.equal(r60.codecs, 'avc1.64002a');
  const r30 = fitLadder(DEFAULT_LADDER, src(1920, 1080, 30))[0]!;
  assert.equal(r30.level, '4.0');
  assert.equal(r30.codecs, 'avc1.640028');
});

// H.264 Table A-1 also limits the frame size (MaxFS, in macroblocks): 3.0: 1620, 3.1: 3600, 3.2: 5120,
// 4.0: 8192. A 1920x1080 frame is 120x68 = 8160 macroblocks, so no frame rate makes it fit below 4.0.
test('fitLadder: the level also fits the frame size (1080p at 24/25 fps is at least level 4.0)', () => {
  for (const fps of [24, 25]) {
    const r = fitLadder(DEFAULT_LADDER, src(1920, 1080, fps))[0]!;
    assert.equal(r.height, 1080);
    assert.equal(r.level, '4.0', `1080p${fps} labelled level ${r.level} (${r.codecs})`);
    assert.equal(r.codecs, 'avc1.640028');
  }
});
