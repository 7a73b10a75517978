import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LiveFeed } from '../ingest/live-feed.ts';
import type { Logger } from '../log.ts';
import { PRIVATE_PLAYLIST } from '../hls/ladder-args.ts';
import { createSpeedMonitor, type Progress } from '../hls/ffmpeg-progress.ts';
import { parseMediaPlaylist, type ParsedSegment } from '../hls/playlist.ts';
import { isCompleteTransportStream, nextScanStep } from '../hls/segment-check.ts';
import type { JobExit, TranscodeJob, TranscodeJobOptions } from '../hls/transcode-job.ts';
import { createFragmentFeed } from './fragment-feed.ts';
import { buildLiveArgs } from './live-args.ts';
import type { LiveSession } from './live-session.ts';
import type { LowLatencyWindow } from './ll-window.ts';
import type { StoredSegment } from './segment-window.ts';

/** What one run is started with. */
export interface LiveRunOptions {
  readonly channelId: string;
  /** The channel's folder: the run writes its own subfolder. */
  readonly channelDir: string;
  readonly session: LiveSession;
  readonly feed: LiveFeed;
  readonly settings: { readonly segmentSeconds: number; readonly x264Preset: string; readonly x264Tune?: string; readonly ffmpegPath: string; readonly partSeconds?: number };
  readonly log: Logger;
  readonly startJob: (opts: TranscodeJobOptions) => TranscodeJob;
  /** Each listed group, as the window stored it, and its size in bytes. */
  readonly onListed: (stored: readonly StoredSegment[], bytes: number) => void;
  /** After the process exited and its last segments are listed. */
  readonly onExit: (run: LiveRun, exit: JobExit) => Promise<void>;
}

/** One transcoder attempt of a session: its process, its folder and the scan that lists what it wrote. */
export interface LiveRun {
  readonly id: string;
  readonly dir: string;
  readonly job: TranscodeJob;
  /** Settles once the process has exited, its last segments are listed and `onExit` has run. */
  readonly done: Promise<void>;
  /** When the run started or last listed a segment. */
  readonly progressAt: number;
  /** The publisher left: the process is draining its input. */
  finishing: boolean;
  /** Stopped by the supervisor to be started again at once (not a failure). */
  recycling: boolean;
  /** A segment was lost or cut short since the last call. */
  takeSuspect(): boolean;
  /** Lists the segments every rung has completed (one scan at a time; never throws). */
  scan(): Promise<void>;
  /** The recent realtime factor (known after about 10 s). */
  realtime(): number | undefined;
  /** Stops feeding the process. */
  detach(): void;
}

/** Creates the run's folders (throws when the disk refuses) and starts its transcoder on the feed. */
export async function startLiveRun(opts: LiveRunOptions): Promise<LiveRun> {
  const { channelId, session: s, settings, log } = opts;
  const id = `r${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const dir = path.join(opts.channelDir, id);
  try {
    await Promise.all(s.rungs.map((r) => fs.mkdir(path.join(dir, r.name), { recursive: true })));
  } catch (e) {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  const ll = s.lowLatency;
  const args = buildLiveArgs({
    rungs: s.rungs, source: s.source, segmentSeconds: settings.segmentSeconds, preset: settings.x264Preset, ...(settings.x264Tune ? { tune: settings.x264Tune } : {}), outDir: dir,
    ...(ll && settings.partSeconds !== undefined ? { partSeconds: settings.partSeconds } : {}),
  });
  let realtime: number | undefined;
  const job = opts.startJob({
    ffmpegPath: settings.ffmpegPath, args, log, onProgress: speedTracker(channelId, log, (r) => (realtime = r ?? realtime)),
    ...(ll ? { cwd: dir, outputs: s.rungs.length, onOutput: fragmentReaders(ll.window, id, s.rungs.length, (e) => log.error('LL-HLS fragments unreadable', { channel: channelId, run: id, error: e.message })) } : {}),
  });
  const unsubscribe = opts.feed.subscribe((chunk) => job.write(chunk));
  let listed = 0;
  let suspect = false;
  let scanning: Promise<void> | undefined;
  let scanWarned = false;

  /**
   * Lists the segments every rung has completed, in order, reading each into memory first. A segment lost or
   * cut short by a failed write is never listed: it is deleted and the gap becomes a discontinuity.
   */
  const scanOnce = async (): Promise<void> => {
    const lists = await Promise.all(s.rungs.map((rung) => readPrivatePlaylist(path.join(dir, rung.name, PRIVATE_PLAYLIST))));
    const skipped: string[] = [];
    const reportSkipped = (): void => {
      if (skipped.length === 0) return;
      log.warn('skipped segments lost or cut short by failed writes', { channel: channelId, run: id, first: skipped[0], last: skipped.at(-1), count: skipped.length });
      skipped.length = 0;
    };
    while (!s.window.ended) {
      const step = nextScanStep(lists, listed);
      if (step.kind === 'wait') break;
      const file = `${listed}.ts`;
      const paths = s.rungs.map((rung) => path.join(dir, rung.name, file));
      if (step.kind === 'ready') {
        const group = await Promise.all(
          s.rungs.map(async (rung, i) => ({ runId: id, rung: rung.name, file, duration: step.durations[i]!, path: paths[i]!, bytes: await fs.readFile(paths[i]!) })),
        );
        if (group.every((g) => isCompleteTransportStream(g.bytes))) {
          reportSkipped();
          const stored = s.window.append(group, Date.now());
          listed++;
          run.progressAt = Date.now();
          opts.onListed(stored, group.reduce((n, g) => n + g.bytes.length, 0));
          continue;
        }
      }
      skipped.push(file);
      await Promise.all(paths.map((p) => fs.rm(p, { force: true }).catch(() => undefined)));
      s.window.markDiscontinuity();
      listed++;
      suspect = true;
    }
    reportSkipped();
  };

  const run: { -readonly [K in keyof LiveRun]: LiveRun[K] } = {
    id, dir, job, done: Promise.resolve(), progressAt: Date.now(), finishing: false, recycling: false,
    takeSuspect: () => {
      const was = suspect;
      suspect = false;
      return was;
    },
    scan: () => {
      scanning ??= scanOnce()
        .catch((e: Error) => {
          if (!scanWarned) log.warn('segment scan failed', { channel: channelId, run: id, error: e.message });
          scanWarned = true;
        })
        .finally(() => (scanning = undefined));
      return scanning;
    },
    realtime: () => realtime,
    detach: unsubscribe,
  };
  run.done = job.exited.then(async (exit) => {
    unsubscribe();
    ll?.window.endRun(id);
    await run.scan();
    await opts.onExit(run, exit);
  });
  log.info('transcoder started', { channel: channelId, run: id, pid: job.pid, preset: settings.x264Preset });
  return run;
}

/** One fragmented-MP4 reader per rung, feeding the LL-HLS window; a rung whose stream breaks is read no further. */
function fragmentReaders(window: LowLatencyWindow, runId: string, rungs: number, failed: (e: Error) => void): (index: number, chunk: Buffer) => void {
  const readers: Array<((chunk: Buffer) => void) | undefined> = Array.from({ length: rungs }, (_, i) =>
    createFragmentFeed({ init: (bytes) => window.setInit(runId, i, bytes), fragment: (f) => window.offer(runId, i, f) }),
  );
  return (index, chunk) => {
    try {
      readers[index]?.(chunk);
    } catch (e) {
      readers[index] = undefined;
      failed(e as Error);
    }
  };
}

/** Logs the transcoder's speed now and then, and when it falls behind realtime or catches up. */
function speedTracker(channelId: string, log: Logger, report: (realtime: number | undefined) => void): (p: Progress) => void {
  const started = Date.now();
  const monitor = createSpeedMonitor({
    periodic: (speed, realtime) => log.info('transcoder speed', { channel: channelId, speed, realtime: realtime?.toFixed(2) }),
    slow: (realtime) => log.warn('transcoder is slower than realtime: viewers will stall', { channel: channelId, realtime: realtime.toFixed(2) }),
    recovered: (realtime) => log.info('transcoder keeps up with realtime again', { channel: channelId, realtime: realtime.toFixed(2) }),
  });
  return (p) => report(monitor((Date.now() - started) / 1000, p));
}

async function readPrivatePlaylist(file: string): Promise<ParsedSegment[]> {
  try {
    return parseMediaPlaylist(await fs.readFile(file, 'utf8'));
  } catch {
    return []; // not written yet
  }
}
