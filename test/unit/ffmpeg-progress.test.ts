import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressParser, createSpeedMonitor, createSpeedWindow, type Progress } from '../../server/hls/ffmpeg-progress.ts';

/** A parser and the reports it has produced so far. */
function parser(): { feed: (chunk: Buffer | string) => void; reports: Progress[] } {
  const reports: Progress[] = [];
  return { feed: createProgressParser((p) => reports.push(p)), reports };
}

const BLOCK = [
  'frame=60',
  'fps=30.00',
  'stream_0_0_q=23.0',
  'bitrate=1234.5kbits/s',
  'total_size=308652',
  'out_time_us=2000000',
  'out_time_ms=2000000',
  'out_time=00:00:02.000000',
  'dup_frames=0',
  'drop_frames=0',
  'speed=1.5x',
  'progress=continue',
  '',
].join('\n');

test('a block split mid-line across chunks gives one report', () => {
  const { feed, reports } = parser();
  feed('out_time_us=2000000\nspe');
  assert.deepEqual(reports, []);
  feed('ed=1.5x\nprogress=continue\n');
  assert.deepEqual(reports, [{ outTimeSeconds: 2, speed: 1.5, ended: false }]);
});

test('a full ffmpeg block, fed byte by byte as Buffers', () => {
  const { feed, reports } = parser();
  for (const byte of Buffer.from(BLOCK)) feed(Buffer.from([byte]));
  assert.deepEqual(reports, [{ outTimeSeconds: 2, speed: 1.5, ended: false }]);
});

test('several blocks in one chunk give one report each; fields do not leak between blocks', () => {
  const { feed, reports } = parser();
  feed('out_time_us=1000000\nspeed=1x\nprogress=continue\nout_time_us=3500000\nspeed=N/A\nprogress=continue\n');
  assert.deepEqual(reports, [
    { outTimeSeconds: 1, speed: 1, ended: false },
    { outTimeSeconds: 3.5, speed: undefined, ended: false },
  ]);
  feed('progress=continue\n');
  assert.deepEqual(reports[2], { outTimeSeconds: 0, speed: undefined, ended: false });
});

test('progress=end marks the last report', () => {
  const { feed, reports } = parser();
  feed('out_time_us=61000000\nspeed=1.01x\nprogress=end\n');
  assert.deepEqual(reports, [{ outTimeSeconds: 61, speed: 1.01, ended: true }]);
});

test('speed=N/A and out_time_us=N/A (before the first frame)', () => {
  const { feed, reports } = parser();
  feed('out_time_us=N/A\nspeed=N/A\nprogress=continue\n');
  assert.deepEqual(reports, [{ outTimeSeconds: 0, speed: undefined, ended: false }]);
});

test('out_time_ms is used when out_time_us is missing (ffmpeg writes microseconds there too)', () => {
  const { feed, reports } = parser();
  feed('out_time_ms=4000000\nprogress=continue\n');
  assert.equal(reports[0]!.outTimeSeconds, 4);
});

test('CRLF endings and lines without "=" are tolerated', () => {
  const { feed, reports } = parser();
  feed('garbage line\r\nout_time_us=2500000\r\nspeed=0.9x\r\nprogress=continue\r\n');
  assert.deepEqual(reports, [{ outTimeSeconds: 2.5, speed: 0.9, ended: false }]);
});

test('speed window: undefined until about 80% of the window is covered', () => {
  const w = createSpeedWindow(10);
  assert.equal(w.add(0, 0), undefined);
  for (let t = 1; t <= 7; t++) assert.equal(w.add(t, t), undefined, `t=${t}`);
  assert.equal(w.add(8, 8), 1);
});

test('speed window: the ratio covers only the recent window, so a slowdown shows at once', () => {
  const w = createSpeedWindow(10);
  let media = 0;
  let last: number | undefined;
  for (let t = 0; t <= 30; t++) {
    media += t <= 20 ? 1 : 0.5; // realtime for 20 s, then half speed
    last = w.add(t, media);
    if (t === 20) assert.equal(last, 1);
  }
  assert.equal(last, 0.5); // ffmpeg's cumulative speed would still say ~0.83
});

test('speed window: faster than realtime', () => {
  const w = createSpeedWindow(5);
  let r: number | undefined;
  for (let t = 0; t <= 10; t++) r = w.add(t, 2 * t);
  assert.equal(r, 2);
});

test('speed window: with sparse samples the two most recent are kept and measured', () => {
  const w = createSpeedWindow(10);
  assert.equal(w.add(0, 0), undefined);
  assert.equal(w.add(30, 15), 0.5);
  assert.equal(w.add(60, 45), 1);
});

test('speed monitor: warns once when a transcoder stays under realtime, notes the recovery, logs periodically', () => {
  const events: string[] = [];
  const monitor = createSpeedMonitor(
    {
      periodic: (speed) => events.push(`periodic ${speed}`),
      slow: (r) => events.push(`slow ${r.toFixed(2)}`),
      recovered: (r) => events.push(`recovered ${r.toFixed(2)}`),
    },
    { windowSeconds: 10, warmupSeconds: 10, logEverySeconds: 30 },
  );
  let media = 0;
  const feed = (from: number, to: number, rate: number): void => {
    for (let wall = from; wall <= to; wall++) {
      monitor(wall, { outTimeSeconds: media, speed: rate, ended: false });
      media += rate;
    }
  };
  feed(0, 20, 1.0); // realtime: nothing but the periodic figure
  assert.deepEqual(events, ['periodic 1']);
  feed(21, 40, 0.8); // falls behind: one warning, however long it lasts
  const slow = events.filter((e) => e.startsWith('slow'));
  assert.equal(slow.length, 1, 'one warning');
  assert.ok(Number(slow[0]!.split(' ')[1]) < 0.95, slow[0]);
  feed(41, 60, 1.0); // back to realtime once the window is clear of the slow part
  assert.equal(events.filter((e) => e.startsWith('recovered')).length, 1);
  assert.equal(events.filter((e) => e.startsWith('periodic')).length, 3, 'every 30 s of wall time');
});

test('speed monitor: no warning during the warm-up', () => {
  const events: string[] = [];
  const monitor = createSpeedMonitor({ periodic: () => undefined, slow: () => events.push('slow'), recovered: () => undefined }, { windowSeconds: 2, warmupSeconds: 10 });
  for (let wall = 0; wall < 10; wall++) monitor(wall, { outTimeSeconds: wall * 0.5, speed: 0.5, ended: false });
  assert.deepEqual(events, []);
  monitor(10, { outTimeSeconds: 5, speed: 0.5, ended: false });
  assert.deepEqual(events, ['slow']);
});
