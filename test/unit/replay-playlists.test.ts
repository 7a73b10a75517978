import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLadder } from '../../server/hls/ladder.ts';
import { renderReplayPlaylists, type RecordedSegment } from '../../server/live/replay-playlists.ts';

const SOURCE = { width: 640, height: 360, fps: 30, hasAudio: true };
const RUNGS = fitLadder([{ height: 360, videoKbps: 800 }, { height: 240, videoKbps: 400 }], SOURCE);
const T0 = Date.parse('2026-12-02T19:00:00.000Z');
const seg = (seq: number, at: number, discontinuity = false, duration = 2): RecordedSegment => ({ seq, duration, programDateTime: T0 + at, discontinuity });

test('a replay has both variants of every playlist, ended, naming the live segments by sequence', () => {
  const files = renderReplayPlaylists([seg(0, 0), seg(1, 2000), seg(2, 4000)], RUNGS, SOURCE, ['Policy', 'Signature', 'Key-Pair-Id']);
  assert.deepEqual([...files.keys()].sort(), ['240p.m3u8', '360p.m3u8', 'master.m3u8', 'q/240p.m3u8', 'q/360p.m3u8', 'q/master.m3u8']);
  const plain = files.get('360p.m3u8')!;
  assert.match(plain, /#EXT-X-ENDLIST\n$/);
  assert.match(plain, /#EXT-X-PROGRAM-DATE-TIME:2026-12-02T19:00:00.000Z\n#EXTINF:2.000,\n360p\/0.ts\n/);
  assert.deepEqual(plain.split('\n').filter((l) => l.endsWith('.ts')), ['360p/0.ts', '360p/1.ts', '360p/2.ts']);
  assert.match(files.get('q/240p.m3u8')!, /^#EXTM3U\n#EXT-X-VERSION:11\n#EXT-X-DEFINE:QUERYPARAM="Policy"/);
  assert.match(files.get('q/240p.m3u8')!, /\n\.\.\/240p\/1\.ts\?Policy=\{\$Policy\}&Signature=\{\$Signature\}&Key-Pair-Id=\{\$Key-Pair-Id\}\n/);
  assert.match(files.get('master.m3u8')!, /RESOLUTION=640x360[^\n]*\n360p\.m3u8\n/);
});

test('a reconnect and a segment lost from the recording are both marked as discontinuities, dated again', () => {
  const files = renderReplayPlaylists([seg(0, 0), seg(1, 2000), seg(2, 30_000, true), seg(4, 34_000)], RUNGS, SOURCE, ['Policy']);
  const lines = files.get('240p.m3u8')!.split('\n');
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 2);
  assert.deepEqual(lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME')), [
    '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T19:00:00.000Z',
    '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T19:00:30.000Z',
    '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T19:00:34.000Z',
  ]);
  assert.equal(lines[lines.indexOf('240p/2.ts') - 3], '#EXT-X-DISCONTINUITY');
});
