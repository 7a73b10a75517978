import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { LiveFeed } from '../ingest/live-feed.ts';
import type { Logger } from '../log.ts';
import { PRIVATE_PLAYLIST } from '../hls/ladder-args.ts';
import { buildLiveArgs } from './live-args.ts';
import { createSpeedMonitor, type Progress } from '../hls/ffmpeg-progress.ts';
import { createDiskWatch } from './disk-watch.ts';
import type { SourceInfo } from '../hls/ladder.ts';
import { createLiveSession, type LiveSession as Session, type PlaylistBody, type PlaylistVariant } from './live-session.ts';
import { parseMediaPlaylist, type ParsedSegment } from '../hls/playlist.ts';
import { isCompleteTransportStream, nextScanStep } from '../hls/segment-check.ts';
import type { StoredSegment } from './segment-window.ts';
import { startTranscodeJob, type JobExit, type TranscodeJob, type TranscodeJobOptions } from '../hls/transcode-job.ts';
import { probeWritable, toWriteProblem, type WriteProbe } from './write-probe.ts';

export type { PlaylistBody, PlaylistVariant } from './live-session.ts';

/**
 * Where a channel is in its life. `degraded`: the publisher is connected but segments cannot be written
 * (disk full, read-only, I/O errors); the playlists stay open and the channel resumes on its own once writes work.
 */
export type LiveState = 'idle' | 'starting' | 'live' | 'degraded' | 'reconnecting' | 'ended' | 'failed';

/** The settings a live channel uses. */
export type LiveSettings = Pick<
  Config,
  'ladder' | 'segmentSeconds' | 'x264Preset' | 'liveGraceSeconds' | 'liveWindowSegments' | 'ffmpegPath'
> & Partial<Pick<Config, 'x264Tune'>
>;

/** What a live channel is built from. */
export interface LiveChannelOptions {
  readonly channelId: string;
  /** The channel's folder; each transcoder run writes its own subfolder. */
  readonly dir: string;
  readonly settings: LiveSettings;
  readonly log: Logger;
  readonly startJob?: (opts: TranscodeJobOptions) => TranscodeJob;
  /** Scan interval for new segments. */
  readonly pollMs?: number;
  /** Restart back-off: first delay, doubled per failure up to 8 s. */
  readonly backoffMs?: number;
  /** How long a segment stays on disk after leaving the playlist (default: 3 windows, at least 60 s). */
  readonly retentionMs?: number;
  /** Query parameters the `query` playlists carry to their children (the signing parameters). */
  readonly signatureParams?: readonly string[];
  /** Checks that the channel's folder accepts writes (default: writes and removes a probe file). */
  readonly probeWrite?: WriteProbe;
  /** No new segment for this long while a transcoder runs: check the folder still accepts writes (default: 3 segments, at least 3 s). */
  readonly stallMs?: number;
}

/** The supervisor of one live channel: its transcoder runs, restarts, reconnect grace and playlists. */
export interface LiveChannel {
  publishStarted(feed: LiveFeed): Promise<void>;
  publishEnded(): void;
  state(): LiveState;
  master(variant?: PlaylistVariant): PlaylistBody | undefined;
  media(rung: string, variant?: PlaylistVariant): PlaylistBody | undefined;
  segment(runId: string, rung: string, file: string): StoredSegment | undefined;
  readonly restarts: number;
  /** The running transcoder: its PID and recent realtime factor (known after about 10 s). */
  transcoder(): { pid: number; realtime: number | undefined } | undefined;
  stop(): Promise<void>;
}

interface Run {
  readonly id: string;
  readonly dir: string;
  readonly job: TranscodeJob;
  readonly unsubscribe: () => void;
  /** Settles once the process has exited and its last segments are listed. */
  done: Promise<void>;
  listed: number;
  finishing: boolean;
  scanning: Promise<void> | undefined;
  /** When the run started or last listed a segment. */
  progressAt: number;
  /** A segment was lost or cut short: check the disk at the next watch. */
  suspect: boolean;
  /** Stopped by the supervisor to be started again at once (not a failure). */
  recycling: boolean;
  /** A scan error was logged for this run (one line per run, not one per poll). */
  scanWarned: boolean;
}

const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 60_000;
/** Longest wait between two checks of a disk that refuses writes (no give-up: the disk is not the transcoder's fault). */
const STORAGE_RETRY_MAX_MS = 5000;
/** How often a stalled or degraded run's folder is checked. */
const WATCH_INTERVAL_MS = 1000;

/** Builds the supervisor for one channel. */
export function createLiveChannel(opts: LiveChannelOptions): LiveChannel {
  const { channelId, settings, log } = opts;
  const startJob = opts.startJob ?? startTranscodeJob;
  const backoffMs = opts.backoffMs ?? 500;
  const retentionMs = opts.retentionMs ?? Math.max(60_000, 3 * settings.liveWindowSegments * settings.segmentSeconds * 1000);
  const stallMs = opts.stallMs ?? Math.max(3000, 3 * settings.segmentSeconds * 1000);
  const disk = createDiskWatch({ channelId, dir: opts.dir, log, probe: opts.probeWrite ?? probeWritable, stallMs });
  let session: Session | undefined;
  /** Ended sessions whose retired segments may still be fetched until they expire. */
  let oldSessions: Session[] = [];
  let feed: LiveFeed | undefined;
  let run: Run | undefined;
  let failed = false;
  let stopping = false;
  let restarts = 0;
  let failures: number[] = [];
  let graceTimer: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextWatchAt = 0;
  let housekeepingWarnedAt = 0;
  const oldRuns = new Map<string, string>();
  const poll = setInterval(() => void tick(), opts.pollMs ?? 50);
  poll.unref();

  const newSession = (source: SourceInfo): Session => {
    const s = createLiveSession({ source, settings, retentionMs, signatureParams: opts.signatureParams ?? ['Policy', 'Signature', 'Key-Pair-Id'] });
    log.info('live session started', { channel: channelId, source: `${source.width}x${source.height}@${source.fps}`, rungs: s.rungs.map((r) => r.name) });
    return s;
  };

  /** True while `f` is the connected publish of session `s` and the channel is not stopping. */
  const current = (f: LiveFeed, s: Session): boolean => feed === f && !stopping && session === s;

  const startRun = async (f: LiveFeed, s: Session): Promise<void> => {
    if (run) await waitForRun(run);
    if (!current(f, s)) return;
    const id = `r${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
    const dir = path.join(opts.dir, id);
    try {
      await Promise.all(s.rungs.map((r) => fs.mkdir(path.join(dir, r.name), { recursive: true })));
    } catch (e) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (!current(f, s)) return;
      disk.report(toWriteProblem(e));
      retryWhenWritable(f, s, 0);
      return;
    }
    if (!current(f, s)) return;
    const args = buildLiveArgs({ rungs: s.rungs, source: s.source, segmentSeconds: settings.segmentSeconds, preset: settings.x264Preset, ...(settings.x264Tune ? { tune: settings.x264Tune } : {}), outDir: dir });
    const job = startJob({ ffmpegPath: settings.ffmpegPath, args, log, onProgress: trackSpeed() });
    const unsubscribe = f.subscribe((chunk) => job.write(chunk));
    const r: Run = {
      id, dir, job, unsubscribe, listed: 0, finishing: false, scanning: undefined, done: Promise.resolve(),
      progressAt: Date.now(), suspect: false, recycling: false, scanWarned: false,
    };
    r.done = job.exited.then((exit) => onRunExit(r, s, f, exit));
    run = r;
    oldRuns.set(id, dir);
    log.info('transcoder started', { channel: channelId, run: id, pid: job.pid, preset: settings.x264Preset });
  };

  const waitForRun = async (r: Run): Promise<void> => {
    const timer = setTimeout(() => void r.job.stop(), 10_000);
    await r.done;
    clearTimeout(timer);
  };

  const onRunExit = async (r: Run, s: Session, f: LiveFeed, exit: JobExit): Promise<void> => {
    r.unsubscribe();
    await scan(r, s);
    if (run === r) run = undefined;
    if (stopping || r.finishing || !current(f, s)) return;
    s.window.markDiscontinuity();
    if (r.recycling) {
      restarts++;
      await startRun(f, s);
      return;
    }
    const exited = 'transcoder exited while the publisher is connected';
    const exitFields = { channel: channelId, run: r.id, pid: r.job.pid, code: exit.code, signal: exit.signal, stderr: exit.stderrTail };
    // a transcoder that dies on a full disk is not at fault: wait for the disk, never give up on it
    const problem = await disk.check();
    if (!current(f, s)) return;
    if (problem) {
      log.error(exited, { ...exitFields, cause: problem.code });
      retryWhenWritable(f, s, 0);
      return;
    }
    const now = Date.now();
    failures = [...failures.filter((t) => now - t < FAILURE_WINDOW_MS), now];
    if (failures.length >= MAX_FAILURES) {
      log.error(exited, exitFields);
      failed = true;
      s.window.end();
      log.error(`transcoder failed ${failures.length} times within ${FAILURE_WINDOW_MS / 1000}s; giving up until the publisher reconnects`, { channel: channelId });
      return;
    }
    restarts++;
    const delay = Math.min(backoffMs * 2 ** (failures.length - 1), 8000);
    log.error(exited, { ...exitFields, restartInMs: delay });
    restartTimer = setTimeout(() => void startRun(f, s), delay);
  };

  /** Checks the disk with a capped back-off and starts a new run once it accepts writes again. */
  const retryWhenWritable = (f: LiveFeed, s: Session, attempt: number): void => {
    restartTimer = setTimeout(async () => {
      if (!current(f, s)) return;
      const problem = await disk.check();
      if (!current(f, s)) return;
      if (problem) {
        retryWhenWritable(f, s, attempt + 1);
        return;
      }
      log.info('the disk accepts writes again; restarting the transcoder', { channel: channelId });
      restarts++;
      await startRun(f, s);
    }, Math.min(backoffMs * 2 ** attempt, STORAGE_RETRY_MAX_MS));
  };

  /**
   * Watches a running transcoder's output: a stall or a lost segment means checking the disk. ffmpeg keeps
   * running on a full disk and resumes by itself when space returns; one that stays silent after that is restarted.
   */
  const watch = async (r: Run): Promise<void> => {
    const now = Date.now();
    if (now < nextWatchAt || r.finishing || r.recycling || (now - r.progressAt < stallMs && !r.suspect)) return;
    nextWatchAt = now + WATCH_INTERVAL_MS;
    r.suspect = false;
    const verdict = await disk.checkRunning(now);
    if (verdict !== 'stuck' || run !== r || r.finishing) return;
    log.warn('the transcoder wrote nothing since the disk recovered; restarting it', { channel: channelId, run: r.id });
    r.recycling = true;
    void r.job.stop();
  };

  let realtime: number | undefined;
  const trackSpeed = (): ((p: Progress) => void) => {
    realtime = undefined;
    const started = Date.now();
    const monitor = createSpeedMonitor({
      periodic: (speed, realtime) => log.info('transcoder speed', { channel: channelId, speed, realtime: realtime?.toFixed(2) }),
      slow: (realtime) => log.warn('transcoder is slower than realtime: viewers will stall', { channel: channelId, realtime: realtime.toFixed(2) }),
      recovered: (realtime) => log.info('transcoder keeps up with realtime again', { channel: channelId, realtime: realtime.toFixed(2) }),
    });
    return (p) => void (realtime = monitor((Date.now() - started) / 1000, p) ?? realtime);
  };

  /**
   * Lists the segments every rung of the run has completed, in order, reading each into memory first. A
   * segment lost or cut short by a failed write is never listed: it is deleted and the gap becomes a discontinuity.
   */
  const scan = (r: Run, s: Session): Promise<void> => {
    r.scanning ??= (async () => {
      const lists = await Promise.all(s.rungs.map((rung) => readPrivatePlaylist(path.join(r.dir, rung.name, PRIVATE_PLAYLIST))));
      const skipped: string[] = [];
      const reportSkipped = (): void => {
        if (skipped.length === 0) return;
        log.warn('skipped segments lost or cut short by failed writes', { channel: channelId, run: r.id, first: skipped[0], last: skipped.at(-1), count: skipped.length });
        skipped.length = 0;
      };
      while (!s.window.ended) {
        const step = nextScanStep(lists, r.listed);
        if (step.kind === 'wait') break;
        const file = `${r.listed}.ts`;
        const paths = s.rungs.map((rung) => path.join(r.dir, rung.name, file));
        if (step.kind === 'ready') {
          const group = await Promise.all(
            s.rungs.map(async (rung, i) => ({ runId: r.id, rung: rung.name, file, duration: step.durations[i]!, path: paths[i]!, bytes: await fs.readFile(paths[i]!) })),
          );
          if (group.every((g) => isCompleteTransportStream(g.bytes))) {
            reportSkipped();
            s.window.append(group, Date.now());
            r.listed++;
            r.progressAt = Date.now();
            disk.listed(group.reduce((n, g) => n + g.bytes.length, 0));
            continue;
          }
        }
        skipped.push(file);
        await Promise.all(paths.map((p) => fs.rm(p, { force: true }).catch(() => undefined)));
        s.window.markDiscontinuity();
        r.listed++;
        r.suspect = true;
      }
      reportSkipped();
    })()
      .catch((e: Error) => {
        if (!r.scanWarned) log.warn('segment scan failed', { channel: channelId, run: r.id, error: e.message });
        r.scanWarned = true;
      })
      .finally(() => (r.scanning = undefined));
    return r.scanning;
  };

  /** One poll: lists new segments, watches the running transcoder, deletes what has expired. Never throws. */
  const tick = async (): Promise<void> => {
    try {
      if (run && session) {
        const r = run;
        await scan(r, session);
        await watch(r);
      }
      const all = session ? [session, ...oldSessions] : oldSessions;
      const removals: Array<Promise<void>> = [];
      for (const s of all) {
        for (const seg of s.window.takeExpired(Date.now())) removals.push(fs.rm(seg.path, { force: true }));
      }
      oldSessions = oldSessions.filter((s) => s.window.size > 0);
      for (const [id, dir] of oldRuns) {
        if (id !== run?.id && !all.some((s) => s.window.hasRun(id))) {
          oldRuns.delete(id);
          removals.push(fs.rm(dir, { recursive: true, force: true }));
        }
      }
      for (const result of await Promise.allSettled(removals)) if (result.status === 'rejected') throw result.reason;
    } catch (e) {
      // a disk in trouble must not take the process down; say so now and then, not on every poll
      if (Date.now() - housekeepingWarnedAt < 10_000) return;
      housekeepingWarnedAt = Date.now();
      log.warn('live housekeeping failed', { channel: channelId, error: (e as Error).message });
    }
  };

  const endSession = async (): Promise<void> => {
    graceTimer = undefined;
    if (run) await waitForRun(run);
    if (feed || !session) return;
    session.window.end();
    log.info('live session ended', { channel: channelId, segments: session.window.listedCount });
  };

  return {
    async publishStarted(f) {
      feed = f;
      failed = false;
      failures = [];
      clearTimeout(graceTimer);
      clearTimeout(restartTimer);
      let source: SourceInfo;
      try {
        source = await f.ready;
      } catch {
        return; // the publisher left before its first keyframe
      }
      if (feed !== f || stopping) return;
      if (session && !session.window.ended) {
        session.window.markDiscontinuity();
      } else {
        if (session) {
          session.window.retireAll(Date.now());
          oldSessions.push(session);
        }
        session = newSession(source);
      }
      await startRun(f, session);
    },
    publishEnded() {
      feed = undefined;
      clearTimeout(restartTimer);
      if (run) {
        run.finishing = true;
        run.unsubscribe();
        run.job.finish();
      }
      if (!session || session.window.ended) return;
      graceTimer = setTimeout(() => void endSession(), settings.liveGraceSeconds * 1000);
    },
    state() {
      if (failed) return 'failed';
      if (feed && disk.problem) return 'degraded';
      if (feed) return session && session.window.listedCount > 0 && !session.window.ended ? 'live' : 'starting';
      if (session && !session.window.ended) return 'reconnecting';
      return session ? 'ended' : 'idle';
    },
    master: (variant = 'plain') => (session && session.window.listedCount > 0 ? session.masters[variant] : undefined),
    media: (rung, variant = 'plain') => (session && session.window.listedCount > 0 ? session.media(rung, variant) : undefined),
    segment: (runId, rung, file) => [session, ...oldSessions].map((s) => s?.window.lookup(runId, rung, file)).find(Boolean),
    get restarts() {
      return restarts;
    },
    transcoder: () => (run?.job.pid !== undefined && !failed ? { pid: run.job.pid, realtime } : undefined),
    async stop() {
      stopping = true;
      clearInterval(poll);
      clearTimeout(graceTimer);
      clearTimeout(restartTimer);
      if (run) {
        run.unsubscribe();
        await run.job.stop();
      }
    },
  };
}

async function readPrivatePlaylist(file: string): Promise<ParsedSegment[]> {
  try {
    return parseMediaPlaylist(await fs.readFile(file, 'utf8'));
  } catch {
    return []; // not written yet
  }
}
