import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { LiveFeed } from '../../server/ingest/live-feed.ts';
import { createLiveChannel, type LiveChannel } from '../../server/live/live-channel.ts';
import type { JobExit, TranscodeJob, TranscodeJobOptions } from '../../server/hls/transcode-job.ts';
import type { WriteProbe } from '../../server/live/write-probe.ts';
import { createLogger } from '../../server/log.ts';
import { waitFor } from '../helpers/wait.ts';

const RUNGS = ['240p', '180p'];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-live-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A stand-in segment: two whole MPEG-TS packets (sync byte first) carrying `text`. */
function tsBytes(text: string): Buffer {
  const bytes = Buffer.alloc(2 * 188, 0xff);
  bytes[0] = 0x47;
  bytes[188] = 0x47;
  bytes.write(text, 4);
  return bytes;
}

/** How a fake run writes one segment: its bytes (default: a whole one) and whether its private playlist is rewritten. */
interface EmitOptions {
  readonly body?: Buffer;
  readonly list?: boolean;
}

/** A stand-in for one ffmpeg run: writes segments and private playlists (the last 10, like `-hls_list_size 10`) where the real one would. */
interface FakeJob extends TranscodeJob {
  readonly outDir: string;
  emit(rungs?: string[], how?: EmitOptions): void;
  crash(): void;
}

function fakeJobs(): { jobs: FakeJob[]; startJob: (o: TranscodeJobOptions) => TranscodeJob } {
  const jobs: FakeJob[] = [];
  const startJob = (o: TranscodeJobOptions): TranscodeJob => {
    const firstPlaylist = o.args.find((a) => a.endsWith('index.m3u8'))!;
    const outDir = path.dirname(path.dirname(firstPlaylist));
    const counts = new Map<string, number>();
    let resolveExit!: (e: JobExit) => void;
    const exited = new Promise<JobExit>((r) => (resolveExit = r));
    const emit = (rungs = RUNGS, how: EmitOptions = {}): void => {
      for (const rung of rungs) {
        const n = counts.get(rung) ?? 0;
        counts.set(rung, n + 1);
        fs.writeFileSync(path.join(outDir, rung, `${n}.ts`), how.body ?? tsBytes(`segment ${n} of ${rung}`));
        if (how.list === false) continue;
        const first = Math.max(0, n - 9);
        const list = Array.from({ length: n + 1 - first }, (_, i) => `#EXTINF:1.000000,\n${first + i}.ts`).join('\n');
        fs.writeFileSync(path.join(outDir, rung, 'index.m3u8'), `#EXTM3U\n#EXT-X-TARGETDURATION:1\n${list}\n`);
      }
    };
    const job: FakeJob = {
      pid: 1000 + jobs.length,
      outDir,
      exited,
      write: () => undefined,
      finish: () => resolveExit({ code: 0, signal: null, stderrTail: '' }),
      stop: async () => (resolveExit({ code: null, signal: 'SIGTERM', stderrTail: '' }), exited),
      emit,
      crash: () => resolveExit({ code: null, signal: 'SIGKILL', stderrTail: 'Killed' }),
    };
    jobs.push(job);
    return job;
  };
  return { jobs, startJob };
}

function fakeFeed(channelId: string): LiveFeed {
  return { channelId, ready: Promise.resolve({ width: 320, height: 240, fps: 15, hasAudio: true }), subscribe: () => () => undefined };
}

function channel(name: string, overrides: { graceSeconds?: number; retentionMs?: number; probeWrite?: WriteProbe } = {}): { ch: LiveChannel; jobs: FakeJob[] } {
  const { jobs, startJob } = fakeJobs();
  const ch = createLiveChannel({
    channelId: name,
    dir: path.join(root, name),
    settings: {
      ladder: [{ height: 240, videoKbps: 300 }, { height: 180, videoKbps: 200 }],
      segmentSeconds: 1,
      x264Preset: 'ultrafast',
      liveGraceSeconds: overrides.graceSeconds ?? 60,
      liveWindowSegments: 3,
      ffmpegPath: 'ffmpeg',
    },
    log: createLogger('error'),
    startJob,
    pollMs: 10,
    backoffMs: 10,
    retentionMs: overrides.retentionMs ?? 60_000,
    stallMs: 100,
    ...(overrides.probeWrite ? { probeWrite: overrides.probeWrite } : {}),
  });
  return { ch, jobs };
}

const uris = (ch: LiveChannel, rung: string): string[] => (ch.media(rung)?.text ?? '').split('\n').filter((l) => l.endsWith('.ts'));

test('a segment is listed only once every rung has it, with the same sequence in every rung', async () => {
  const { ch, jobs } = channel('lockstep');
  await ch.publishStarted(fakeFeed('lockstep'));
  const job = jobs[0]!;
  assert.equal(ch.master(), undefined, 'no master before the first segment');
  job.emit(['240p']);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ch.master(), undefined, 'one rung alone is not enough');
  job.emit(['180p']);
  await waitFor('the first segment', () => ch.master());
  assert.equal(ch.state(), 'live');
  for (let i = 0; i < 4; i++) job.emit();
  await waitFor('five segments', () => uris(ch, '180p').at(-1)?.endsWith('/4.ts'));
  assert.equal(uris(ch, '240p').length, 3, 'a window of three');
  assert.match(ch.media('240p')!.text, /#EXT-X-MEDIA-SEQUENCE:2\n/);
  assert.match(ch.media('180p')!.text, /#EXT-X-MEDIA-SEQUENCE:2\n/);
  const [runId, rung, file] = uris(ch, '240p')[0]!.split('/');
  assert.deepEqual(ch.segment(runId!, rung!, file!)?.bytes, tsBytes('segment 2 of 240p'), 'listed segments are held in memory');
  await ch.stop();
});

test('a crashed transcoder restarts with back-off into a new folder after a discontinuity; five crashes in a minute end it', async () => {
  const { ch, jobs } = channel('crashes');
  await ch.publishStarted(fakeFeed('crashes'));
  jobs[0]!.emit();
  await waitFor('live', () => ch.state() === 'live');
  jobs[0]!.crash();
  await waitFor('a restart', () => jobs.length === 2);
  assert.notEqual(jobs[1]!.outDir, jobs[0]!.outDir, 'each run writes its own folder');
  jobs[1]!.emit();
  await waitFor('the new run listed after a discontinuity', () => ch.media('240p')?.text.includes('#EXT-X-DISCONTINUITY\n'));
  assert.equal(ch.restarts, 1);
  for (let i = 1; i < 5; i++) {
    jobs[i]!.crash();
    if (i < 4) await waitFor(`restart ${i + 1}`, () => jobs.length === i + 2);
  }
  await waitFor('the channel to give up', () => ch.state() === 'failed');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(jobs.length, 5, 'no sixth attempt');
  assert.ok(ch.media('240p')!.text.trimEnd().endsWith('#EXT-X-ENDLIST'), 'viewers are told the stream ended');
  await ch.stop();
});

test('a publisher back within the grace period continues the session; after it the playlists end', async () => {
  const { ch, jobs } = channel('grace', { graceSeconds: 0.3 as number });
  await ch.publishStarted(fakeFeed('grace'));
  jobs[0]!.emit();
  await waitFor('live', () => ch.master());
  const masterEtag = ch.master()!.etag;
  ch.publishEnded();
  assert.equal(ch.state(), 'reconnecting');
  await ch.publishStarted(fakeFeed('grace'));
  jobs[1]!.emit();
  await waitFor('the reconnect listed', () => uris(ch, '240p').length === 2);
  assert.match(ch.media('240p')!.text, /#EXT-X-DISCONTINUITY\n/);
  assert.equal(ch.master()!.etag, masterEtag, 'the same master');
  ch.publishEnded();
  await waitFor('ENDLIST after the grace period', () => ch.state() === 'ended', 3000);
  assert.ok(ch.media('240p')!.text.trimEnd().endsWith('#EXT-X-ENDLIST'));
  await ch.stop();
});

test('segments are deleted only after their retention, and a run folder once all its segments are gone', async () => {
  const { ch, jobs } = channel('retention', { retentionMs: 300 });
  await ch.publishStarted(fakeFeed('retention'));
  const job = jobs[0]!;
  job.emit();
  await waitFor('live', () => ch.master());
  for (let i = 0; i < 3; i++) job.emit();
  await waitFor('segment 0 to leave the window', () => uris(ch, '240p')[0]?.endsWith('/1.ts'));
  const first = path.join(job.outDir, '240p', '0.ts');
  const runId = path.basename(job.outDir);
  assert.ok(fs.existsSync(first), 'still on disk right after leaving the playlist');
  assert.ok(ch.segment(runId, '240p', '0.ts'), 'and still served');
  await waitFor('deletion after the retention', () => !fs.existsSync(first), 3000);
  assert.equal(ch.segment(runId, '240p', '0.ts'), undefined);
  assert.ok(fs.existsSync(path.join(job.outDir, '240p', '1.ts')), 'listed segments stay');

  // a reconnect starts a new run; the old run's folder goes once none of its segments is listed or retained
  job.finish();
  ch.publishEnded();
  await ch.publishStarted(fakeFeed('retention'));
  for (let i = 0; i < 3; i++) jobs[1]!.emit();
  await waitFor('the window to hold only the new run', () => uris(ch, '240p').every((u) => u.startsWith(path.basename(jobs[1]!.outDir))));
  assert.ok(fs.existsSync(job.outDir), 'kept while its segments are retained');
  await waitFor('the old run folder removed', () => !fs.existsSync(job.outDir), 3000);
  assert.ok(fs.existsSync(jobs[1]!.outDir));
  await ch.stop();
});

test('segments lost or cut short by failed writes are never listed: deleted, and the next whole one follows a discontinuity', async () => {
  const { ch, jobs } = channel('broken-writes');
  await ch.publishStarted(fakeFeed('broken-writes'));
  const job = jobs[0]!;
  job.emit();
  await waitFor('live', () => ch.master());
  // what ffmpeg does on a full disk: empty segments and an empty private playlist, then cut-off segments it lists
  for (let i = 0; i < 11; i++) job.emit(RUNGS, { body: Buffer.alloc(0), list: false });
  for (let i = 0; i < 2; i++) job.emit(RUNGS, { body: tsBytes('cut off').subarray(0, 200) });
  job.emit(['240p']);
  job.emit(['180p'], { body: tsBytes('cut off').subarray(0, 188 + 100) });
  job.emit();
  await waitFor('the next whole segment', () => uris(ch, '240p').at(-1)?.endsWith('/15.ts'));
  assert.deepEqual(uris(ch, '240p').map((u) => u.split('/')[2]), ['0.ts', '15.ts'], 'nothing in between is listed');
  assert.match(ch.media('180p')!.text, /0\.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:\S+\n#EXTINF:1\.000,\n\w+\/180p\/15\.ts/);
  for (let n = 1; n <= 14; n++) {
    for (const rung of RUNGS) assert.ok(!fs.existsSync(path.join(job.outDir, rung, `${n}.ts`)), `${rung}/${n}.ts deleted`);
  }
  assert.equal(ch.state(), 'live');
  await ch.stop();
});

test('a disk that refuses writes degrades the channel: never counted towards giving up, and it recovers by itself', async () => {
  let problem: { code: string; message: string } | undefined;
  let probes = 0;
  const probeWrite: WriteProbe = async () => (probes++, problem);
  const { ch, jobs } = channel('disk-full', { probeWrite });
  await ch.publishStarted(fakeFeed('disk-full'));
  for (let i = 0; i < 4; i++) {
    jobs[i]!.emit();
    jobs[i]!.crash();
    await waitFor(`restart ${i + 1}`, () => jobs.length === i + 2);
  }
  jobs[4]!.emit();
  await waitFor('live', () => ch.state() === 'live');

  problem = { code: 'ENOSPC', message: 'ENOSPC: no space left on device, write' };
  await waitFor('the stalled run to be found degraded', () => ch.state() === 'degraded');
  assert.ok(!ch.media('240p')!.text.includes('#EXT-X-ENDLIST'), 'the playlists stay open');
  jobs[4]!.crash(); // the fifth exit within the minute, but the disk's fault
  const before = probes;
  await waitFor('the disk to be checked again, with back-off', () => probes >= before + 3);
  assert.equal(jobs.length, 5, 'no transcoder starts while the disk refuses writes');
  assert.equal(ch.state(), 'degraded');

  problem = undefined;
  await waitFor('a new run once the disk accepts writes', () => jobs.length === 6, 10_000);
  jobs[5]!.emit();
  await waitFor('live again', () => ch.state() === 'live');
  assert.equal(uris(ch, '240p').filter((u) => u.startsWith(path.basename(jobs[5]!.outDir))).length, 1);

  // degraded while the transcoder runs, which then stays silent after the disk recovers: restarted, not failed
  problem = { code: 'ENOSPC', message: 'ENOSPC: no space left on device, write' };
  await waitFor('degraded again', () => ch.state() === 'degraded');
  problem = undefined;
  await waitFor('the silent transcoder restarted', () => jobs.length === 7, 5000);
  jobs[6]!.emit();
  await waitFor('live after the restart', () => ch.state() === 'live');
  await ch.stop();
});
