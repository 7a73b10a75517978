// Comparisons 4 and 7: the live ladder in one ffmpeg (one decode, split) against one ffmpeg per rendition on
// the same 720p input, in CPU seconds per media second; VOD packaging through the job queue against the
// bare ffmpeg command for the same ladder, in wall time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ladderFilterGraph, rungOutputArgs } from '../../server/hls/ladder-args.ts';
import { buildLiveArgs } from '../../server/live/live-args.ts';
import { DEFAULT_LADDER, fitLadder } from '../../server/hls/ladder.ts';
import { buildPackageArgs } from '../../server/vod/package-args.ts';
import { makeClip } from '../helpers/media.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Row } from './http-serving.ts';
import { cpuOf, median, medianBy } from './tools.ts';

const SOURCE = { width: 1280, height: 720, fps: 30, hasAudio: true };

/** Runs comparisons 4 and 7. */
export async function benchFfmpeg(quick: boolean): Promise<Row[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ffmpeg-'));
  try {
    const seconds = quick ? 8 : 20;
    const rounds = quick ? 1 : 5;
    const clip = path.join(work, 'clip.mp4');
    // like an OBS stream (CABAC, B-frames, 6 Mbit/s): decoding it is real work, as it is live
    await makeClip(clip, { seconds, preset: 'veryfast', videoBitrate: '6M' });
    const flv = path.join(work, 'clip.flv');
    await cpuOf('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', clip, '-c', 'copy', '-f', 'flv', flv]);
    const rungs = fitLadder(DEFAULT_LADDER, SOURCE);
    const outDir = (name: string): string => {
      const d = path.join(work, name);
      rungs.forEach((r) => fs.mkdirSync(path.join(d, r.name), { recursive: true }));
      return d;
    };
    // ours: the live command line exactly as the origin runs it, fed the FLV on stdin as fast as it goes
    const oursOnce = (): ReturnType<typeof cpuOf> => cpuOf('bash', ['-c', `ffmpeg ${quoteAll(buildLiveArgs({ rungs, source: SOURCE, segmentSeconds: 2, preset: 'veryfast', outDir: outDir('one') }))} < '${flv}'`]);
    // peer: one process per rendition, all at once, each decoding and scaling for itself
    const perRung = rungs.map((rung) => {
      const dir = path.join(outDir('many'), rung.name);
      const args = ['-hide_banner', '-nostats', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0', '-filter_complex', ladderFilterGraph([rung]),
        ...rungOutputArgs({ rung, index: 0, hasAudio: true, segmentSeconds: 2, preset: 'veryfast', dir, kind: 'live' })];
      return `ffmpeg ${quoteAll(args)} < '${flv}'`;
    });
    const peerOnce = (): ReturnType<typeof cpuOf> => cpuOf('bash', ['-c', `${perRung.map((c) => `${c} &`).join(' ')} wait`]);
    // CPU time on this VM moves by up to a third between runs and drifts within one: alternate the two, and
    // compare each pair (run i of each side, back to back) before taking the median
    const ourRuns: Array<Awaited<ReturnType<typeof cpuOf>>> = [];
    const peerRuns: Array<Awaited<ReturnType<typeof cpuOf>>> = [];
    for (let i = 0; i < rounds; i++) {
      ourRuns.push(await oursOnce());
      peerRuns.push(await peerOnce());
    }
    const ours = medianBy(ourRuns, (r) => r.cpuSeconds);
    const peer = medianBy(peerRuns, (r) => r.cpuSeconds);
    const ladderPairs = peerRuns.map((p, i) => p.cpuSeconds / ourRuns[i]!.cpuSeconds);
    const ladderRatio = median(ladderPairs);

    // VOD: a clip packaged by the origin's job, against the bare ffmpeg command for the same ladder
    const vodSeconds = quick ? 10 : 30;
    const server = await startServer({ LADDER: '1080p:5000k,720p:3000k,480p:1400k,360p:800k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast' });
    const jobRuns: number[] = [];
    const bareRuns: number[] = [];
    const encodeRuns: number[] = [];
    const vodClip = path.join(server.dataDir, 'media', 'videos', 'vod.mp4');
    try {
      fs.mkdirSync(path.dirname(vodClip), { recursive: true });
      await makeClip(vodClip, { seconds: vodSeconds, preset: 'veryfast', videoBitrate: '6M' });
      fs.copyFileSync(vodClip, path.join(work, 'vod.mp4'));
      const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
      for (let i = 0; i < rounds; i++) {
        // a new source key each round: adding a key again returns its video, already packaged
        const source = `videos/vod-${i}.mp4`;
        fs.copyFileSync(vodClip, path.join(server.dataDir, 'media', source));
        const start = performance.now();
        const { id, jobId } = (await (await fetch(`${server.baseUrl}/api/admin/videos`, { method: 'POST', headers: auth, body: JSON.stringify({ source }) })).json()) as { id: string; jobId: string };
        // the end is read from the origin's log, not by polling its API: a poll costs the origin about 1.5 ms
        // of CPU, and every 50 ms that is 3 % of a core taken from the encode being measured
        const doneLine = `packaging job done {"job":"${jobId}"`;
        await waitFor('packaging', () => server.output().includes(doneLine) || server.output().includes(`packaging job failed {"job":"${jobId}"`), 300_000, 10);
        jobRuns.push((performance.now() - start) / 1000);
        const { state } = (await (await fetch(`${server.baseUrl}/api/admin/jobs/${jobId}`, { headers: auth })).json()) as { state: string };
        if (state !== 'done') throw new Error(`packaging job ${jobId} ended ${state}`);
        // the job's own ffmpeg run (ladder and poster), as the origin logs it: the rest is the job's overhead
        encodeRuns.push(Number(new RegExp(`video packaged \\{"video":"${id}".*"encodeSeconds":([\\d.]+)`).exec(server.output())?.[1] ?? Number.NaN));
        const bareDir = outDir(`bare-${i}`);
        bareRuns.push((await cpuOf('ffmpeg', buildPackageArgs({ file: path.join(work, 'vod.mp4'), rungs, source: SOURCE, segmentSeconds: 2, preset: 'veryfast', outDir: bareDir }).map((a) => (a === 'pipe:1' ? '/dev/null' : a)))).wallSeconds);
      }
    } finally {
      await server.stop();
    }
    const vodPairs = jobRuns.map((j, i) => j / bareRuns[i]!);
    const vodRatio = median(vodPairs);
    const outsideEncode = jobRuns.map((j, i) => j - encodeRuns[i]!);
    const list = (xs: readonly number[], digits: number): string => xs.map((x) => x.toFixed(digits)).join(', ');

    return [
      {
        name: `4. Live ladder cost (720p source; ${rungs.map((r) => r.name).join('/')}, veryfast)`,
        ours: `${(ours.cpuSeconds / seconds).toFixed(2)} CPU s per media s, ${(seconds / ours.wallSeconds).toFixed(2)}× realtime`,
        peer: `${rungs.length} processes: ${(peer.cpuSeconds / seconds).toFixed(2)} CPU s per media s, ${(seconds / peer.wallSeconds).toFixed(2)}× realtime`,
        ratio: ladderRatio,
        target: '≥ 1.15× less CPU',
        met: ladderRatio >= 1.15,
        notes: `a ${seconds} s lavfi clip (H.264 veryfast, 6 Mbit/s, like an OBS stream) as FLV on stdin, as fast as possible; ${rounds} alternating runs each, figures are medians (CPU s: ours ${list(ourRuns.map((r) => r.cpuSeconds), 1)}; theirs ${list(peerRuns.map((r) => r.cpuSeconds), 1)}); ratio = the median over the back-to-back pairs of their CPU / ours (${list(ladderPairs, 2)})`,
      },
      {
        name: `7. VOD packaging of a ${vodSeconds} s 720p clip`,
        ours: `${median(jobRuns).toFixed(1)} s from the API call to a published version`,
        peer: `bare ffmpeg ${median(bareRuns).toFixed(1)} s`,
        ratio: vodRatio,
        target: '≤ 1.05× the bare command',
        met: vodRatio <= 1.05,
        notes: `ours includes the queue, copying and hashing the source, ffprobe, the poster, both playlist variants and the move into the bucket, and ends when the origin logs the job done; ${rounds} alternating runs each, figures are medians (s: ours ${list(jobRuns, 1)}; bare ${list(bareRuns, 1)}); ratio = the median over the back-to-back pairs of ours / bare (${list(vodPairs, 2)}); the job's time outside its own ffmpeg run, median ${median(outsideEncode).toFixed(2)} s (${list(outsideEncode, 2)}); its ffmpeg run against the bare command, pair by pair: ${list(encodeRuns.map((e, i) => e / bareRuns[i]!), 2)}`,
      },
    ];
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function quoteAll(args: readonly string[]): string {
  return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}
