// Comparison 10: the cost of recording every show. The same live channel is published twice for the same
// time, once with LIVE_RECORD=true and once with LIVE_RECORD=false; the difference in the origin's own CPU is
// what recording costs (it links each segment, writes a journal line and moves the files into the bucket). The
// ffmpeg processes the origin starts are counted: recording adds a one-frame poster and never re-encodes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cpuTimesOf } from '../../server/live/capacity.ts';
import { startPublisher } from '../helpers/processes.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Row } from './http-serving.ts';

const ENV = { LADDER: '360p:800k,240p:400k,180p:250k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast', LIVE_GRACE_SECONDS: '2' };

/** One show's figures. */
interface Show {
  readonly cores: number;
  /** Distinct ffmpeg processes the origin started while the show ran, and the largest number at once. */
  readonly ffmpegSpawned: number;
  /** Bytes that reached the bucket's replay folders, and the largest the recordings folder grew. */
  readonly bucketBytes: number;
  readonly recordingPeakBytes: number;
  readonly replayListedMs: number | undefined;
}

const sizeOf = (dir: string): number => {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  return total;
};

const childFfmpegs = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid), 'ffmpeg'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

/** Publishes for `seconds` and measures the origin (recording on or off). */
async function show(record: boolean, seconds: number): Promise<Show> {
  const server = await startServer({ ...ENV, LIVE_RECORD: String(record) });
  const publisher = startPublisher(server.rtmpUrl(server.demoKey), { width: 640, height: 360, fps: 30 });
  const spawned = new Set<number>();
  let peak = 0;
  const sample = setInterval(() => {
    for (const p of childFfmpegs(server.pid)) spawned.add(p);
    peak = Math.max(peak, sizeOf(path.join(server.dataDir, 'recordings')));
  }, 250);
  try {
    await waitFor('the channel to go live', async () => (await server.get('/live/demo/180p.m3u8')).status === 200, 30_000);
    const before = cpuTimesOf(server.pid)!;
    const started = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = cpuTimesOf(server.pid)!;
    const cores = (after.user + after.system - before.user - before.system) / ((performance.now() - started) / 1000);
    await publisher.kill('SIGTERM');
    const ended = performance.now();
    let replayListedMs: number | undefined;
    if (record) {
      await waitFor('the replay in the catalog', async () => ((await (await server.get('/api/catalog')).json()) as { items: Array<{ replay?: unknown }> }).items.some((i) => i.replay), 60_000, 200);
      replayListedMs = performance.now() - ended;
    }
    return { cores, ffmpegSpawned: spawned.size, bucketBytes: sizeOf(path.join(server.dataDir, 'media', 'vod')), recordingPeakBytes: peak, replayListedMs };
  } finally {
    clearInterval(sample);
    await publisher.kill('SIGKILL');
    await server.stop();
  }
}

/** Runs comparison 10. */
export async function benchRecording(quick: boolean): Promise<Row[]> {
  const seconds = quick ? 20 : 60;
  const off = await show(false, seconds);
  const on = await show(true, seconds);
  const cost = on.cores - off.cores;
  const mbPerMinute = (on.bucketBytes / 1e6) * (60 / seconds);
  return [
    {
      name: `10. Recording cost, one live channel (3 rungs) for ${seconds} s`,
      ours: `${(cost * 100).toFixed(2)} % of one core (origin ${(on.cores * 100).toFixed(2)} % recording, ${(off.cores * 100).toFixed(2)} % not)`,
      peer: `the same show with LIVE_RECORD=false`,
      ratio: off.cores > 0 ? on.cores / off.cores : 1,
      target: '< 2 % of one core per channel, no re-encode',
      met: cost < 0.02 && on.ffmpegSpawned <= off.ffmpegSpawned + 1,
      notes: `ffmpeg processes the origin started: ${on.ffmpegSpawned} recording (the ladder and a one-frame poster) against ${off.ffmpegSpawned} not; ` +
        `the bucket received ${mbPerMinute.toFixed(1)} MB per minute of show (the ladder's own segments, moved in as they are listed); ` +
        `the recordings folder peaked at ${(on.recordingPeakBytes / 1e6).toFixed(2)} MB (segments wait there only until they are in the bucket); ` +
        `the replay was in the catalog ${((on.replayListedMs ?? 0) / 1000).toFixed(1)} s after the publisher stopped (LIVE_GRACE_SECONDS=2 included)`,
    },
  ];
}
