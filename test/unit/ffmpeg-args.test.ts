import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ladderFilterGraph, PRIVATE_PLAYLIST } from '../../server/hls/ladder-args.ts';
import { buildLiveArgs, type LiveArgsInput } from '../../server/live/live-args.ts';
import { DEFAULT_LADDER, fitLadder, type SourceInfo } from '../../server/hls/ladder.ts';

const SOURCE: SourceInfo = { width: 1280, height: 720, fps: 30, hasAudio: true };
const RUNGS = fitLadder(DEFAULT_LADDER, SOURCE);
const INPUT: LiveArgsInput = { rungs: RUNGS, source: SOURCE, segmentSeconds: 2, preset: 'veryfast', outDir: '/out' };

/** How many times `flag value` appears as two consecutive arguments. */
function countPairs(args: readonly string[], flag: string, value: string): number {
  return args.filter((a, i) => a === flag && args[i + 1] === value).length;
}

test('the full command line for a 720p30 source with audio (golden)', () => {
  const golden = [
    '-hide_banner -nostats -loglevel warning -progress pipe:1 -stats_period 1 -probesize 65536 -analyzeduration 200000',
    '-f flv -i pipe:0',
    '-filter_complex [0:v:0]split=3[s0][s1][s2];[s0]scale=1280:720[v0];[s1]scale=854:480[v1];[s2]scale=640:360[v2]',
    '-map [v0] -map 0:a:0 -c:v libx264 -preset veryfast -profile:v high -level:v 3.1 -pix_fmt yuv420p',
    '-b:v 3000k -maxrate 3300k -bufsize 4500k -force_key_frames expr:gte(t,n_forced*2) -sc_threshold 0',
    '-c:a aac -b:a 128k -ac 2 -max_muxing_queue_size 1024',
    '-f hls -hls_time 2 -hls_list_size 10 -hls_flags independent_segments+temp_file',
    '-hls_segment_filename /out/720p/%d.ts /out/720p/index.m3u8',
    '-map [v1] -map 0:a:0 -c:v libx264 -preset veryfast -profile:v main -level:v 3.1 -pix_fmt yuv420p',
    '-b:v 1400k -maxrate 1540k -bufsize 2100k -force_key_frames expr:gte(t,n_forced*2) -sc_threshold 0',
    '-c:a aac -b:a 128k -ac 2 -max_muxing_queue_size 1024',
    '-f hls -hls_time 2 -hls_list_size 10 -hls_flags independent_segments+temp_file',
    '-hls_segment_filename /out/480p/%d.ts /out/480p/index.m3u8',
    '-map [v2] -map 0:a:0 -c:v libx264 -preset veryfast -profile:v main -level:v 3.0 -pix_fmt yuv420p',
    '-b:v 800k -maxrate 880k -bufsize 1200k -force_key_frames expr:gte(t,n_forced*2) -sc_threshold 0',
    '-c:a aac -b:a 128k -ac 2 -max_muxing_queue_size 1024',
    '-f hls -hls_time 2 -hls_list_size 10 -hls_flags independent_segments+temp_file',
    '-hls_segment_filename /out/360p/%d.ts /out/360p/index.m3u8',
  ].join(' ');
  assert.equal(buildLiveArgs(INPUT).join(' '), golden);
});

test('keyframes are forced at every segment boundary and scene cuts disabled, once per rung', () => {
  const args = buildLiveArgs(INPUT);
  assert.equal(countPairs(args, '-force_key_frames', 'expr:gte(t,n_forced*2)'), RUNGS.length);
  assert.equal(countPairs(args, '-sc_threshold', '0'), RUNGS.length);
  const four = buildLiveArgs({ ...INPUT, segmentSeconds: 4 });
  assert.equal(countPairs(four, '-force_key_frames', 'expr:gte(t,n_forced*4)'), RUNGS.length);
  assert.equal(countPairs(four, '-hls_time', '4'), RUNGS.length);
});

test('each rung writes its own folder under outDir', () => {
  const args = buildLiveArgs(INPUT);
  for (const r of RUNGS) {
    assert.equal(countPairs(args, '-hls_segment_filename', `/out/${r.name}/%d.ts`), 1, r.name);
    assert.equal(args.filter((a) => a === `/out/${r.name}/${PRIVATE_PLAYLIST}`).length, 1, r.name);
  }
});

test('without audio there is no audio map and no audio encoder', () => {
  const args = buildLiveArgs({ ...INPUT, source: { ...SOURCE, hasAudio: false } });
  assert.equal(countPairs(args, '-map', '0:a:0'), 0);
  assert.ok(!args.includes('-c:a'));
  assert.ok(!args.includes('-b:a'));
  assert.equal(countPairs(args, '-c:v', 'libx264'), RUNGS.length);
  // with audio, each rung maps and encodes it
  const withAudio = buildLiveArgs(INPUT);
  assert.equal(countPairs(withAudio, '-map', '0:a:0'), RUNGS.length);
  assert.equal(countPairs(withAudio, '-c:a', 'aac'), RUNGS.length);
});

test('-tune only when a tune is given', () => {
  assert.ok(!buildLiveArgs(INPUT).includes('-tune'));
  const tuned = buildLiveArgs({ ...INPUT, tune: 'zerolatency' });
  assert.equal(countPairs(tuned, '-tune', 'zerolatency'), RUNGS.length);
  // it sits right after the preset of each rung
  tuned.forEach((a, i) => {
    if (a === '-tune') assert.equal(tuned[i - 2], '-preset');
  });
});

test('the preset is passed through to every rung', () => {
  assert.equal(countPairs(buildLiveArgs({ ...INPUT, preset: 'ultrafast' }), '-preset', 'ultrafast'), RUNGS.length);
});

test('ladderFilterGraph for three rungs', () => {
  assert.equal(ladderFilterGraph(RUNGS), '[0:v:0]split=3[s0][s1][s2];[s0]scale=1280:720[v0];[s1]scale=854:480[v1];[s2]scale=640:360[v2]');
});

test('ladderFilterGraph for one rung', () => {
  const [only] = fitLadder(DEFAULT_LADDER, { width: 320, height: 240, fps: 30, hasAudio: false });
  assert.equal(ladderFilterGraph([only!]), '[0:v:0]split=1[s0];[s0]scale=320:240[v0]');
});
