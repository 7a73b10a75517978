import fs from 'node:fs/promises';
import type { Config } from '../config.ts';
import type { LiveFeed } from '../ingest/live-feed.ts';
import type { Logger } from '../log.ts';
import type { SourceInfo } from '../hls/ladder.ts';
import { startTranscodeJob, type JobExit, type TranscodeJob, type TranscodeJobOptions } from '../hls/transcode-job.ts';
import {
  FAILURE_WINDOW_MS, initialChannelState, liveStateOf, nextChannelState, restartDelayMs, type ChannelEvent, type ChannelState, type LiveState,
} from './channel-state.ts';
import { createDiskWatch } from './disk-watch.ts';
import { startLiveRun, type LiveRun } from './live-run.ts';
import { createLiveSession, type LiveSession as Session, type PlaylistBody, type PlaylistVariant } from './live-session.ts';
import type { Recorder, Recording } from './recorder.ts';
import type { StoredSegment, WindowRange } from './segment-window.ts';
import { probeWritable, toWriteProblem, type WriteProbe } from './write-probe.ts';

export type { LiveState } from './channel-state.ts';

/** The LL-HLS side of a session. */
export type LowLatencySide = NonNullable<Session['lowLatency']>;

/** A LL-HLS file below `<run>/<rung>/`: `init.mp4`, `<msn>.m4s` or `<msn>.<part>.m4s`. */
export type LowLatencyFileName = { kind: 'init' } | { kind: 'segment'; msn: number } | { kind: 'part'; msn: number; part: number };
export type { PlaylistBody, PlaylistVariant } from './live-session.ts';

/** The settings a live channel uses. */
export type LiveSettings = Pick<
  Config,
  'ladder' | 'segmentSeconds' | 'x264Preset' | 'liveGraceSeconds' | 'liveWindowSegments' | 'ffmpegPath'
> & Partial<Pick<Config, 'x264Tune' | 'liveDvrMinutes' | 'liveHls' | 'partSeconds'>>;

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
  /** Records every show as a replay (absent: nothing is recorded). */
  readonly recorder?: Pick<Recorder, 'begin'>;
}

/** The supervisor of one live channel: its transcoder runs, restarts, reconnect grace and playlists. */
export interface LiveChannel {
  publishStarted(feed: LiveFeed): Promise<void>;
  publishEnded(): void;
  state(): LiveState;
  /** The master of the hot window, or of the DVR range. */
  master(variant?: PlaylistVariant, range?: WindowRange): PlaylistBody | undefined;
  media(rung: string, variant?: PlaylistVariant, range?: WindowRange): PlaylistBody | undefined;
  segment(runId: string, rung: string, file: string): StoredSegment | undefined;
  /** The LL-HLS side of the session on air (absent with LIVE_HLS=standard or before its first part). */
  lowLatency(): LowLatencySide | undefined;
  /** A LL-HLS file of this or a recent session: init segment, whole segment or part (undefined: not there). */
  lowLatencyFile(runId: string, rung: string, file: LowLatencyFileName): Buffer | undefined;
  /** The newest segment file of the smallest rung while on air (the console's thumbnail is cut from it). */
  newestSegmentFile(): string | undefined;
  readonly restarts: number;
  /** The running transcoder: its PID and recent realtime factor (known after about 10 s). */
  transcoder(): { pid: number; realtime: number | undefined } | undefined;
  stop(): Promise<void>;
}

/** Longest wait between two checks of a disk that refuses writes (no give-up: the disk is not the transcoder's fault). */
const STORAGE_RETRY_MAX_MS = 5000;
/** How often a stalled or degraded run's folder is checked. */
const WATCH_INTERVAL_MS = 1000;

/** Builds the supervisor for one channel: it owns the channel's state, its runs, its sessions and their recordings. */
export function createLiveChannel(opts: LiveChannelOptions): LiveChannel {
  const { channelId, settings, log } = opts;
  const startJob = opts.startJob ?? startTranscodeJob;
  const backoffMs = opts.backoffMs ?? 500;
  const retentionMs = opts.retentionMs ?? Math.max(60_000, 3 * settings.liveWindowSegments * settings.segmentSeconds * 1000);
  const stallMs = opts.stallMs ?? Math.max(3000, 3 * settings.segmentSeconds * 1000);
  const disk = createDiskWatch({ channelId, dir: opts.dir, log, probe: opts.probeWrite ?? probeWritable, stallMs });
  let state = initialChannelState;
  const apply = (event: ChannelEvent): ChannelState => (state = nextChannelState(state, event));
  let session: Session | undefined;
  /** Ended sessions whose retired segments may still be fetched until they expire. */
  let oldSessions: Session[] = [];
  /** The recording of each session whose show is not over. */
  const recordings = new Map<Session, Recording>();
  let feed: LiveFeed | undefined;
  let run: LiveRun | undefined;
  let stopping = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextWatchAt = 0;
  let housekeepingWarnedAt = 0;
  const oldRuns = new Map<string, string>();
  const poll = setInterval(() => void tick(), opts.pollMs ?? 50);
  poll.unref();

  const newSession = (source: SourceInfo): Session => {
    const lowLatency = settings.liveHls !== undefined && settings.liveHls !== 'standard' && settings.partSeconds !== undefined;
    const s = createLiveSession({
      source, settings, retentionMs, signatureParams: opts.signatureParams ?? ['Policy', 'Signature', 'Key-Pair-Id'], ...(lowLatency ? { partSeconds: settings.partSeconds } : {}),
    });
    log.info('live session started', { channel: channelId, source: `${source.width}x${source.height}@${source.fps}`, rungs: s.rungs.map((r) => r.name) });
    if (opts.recorder) recordings.set(s, opts.recorder.begin({ channelId, sessionId: s.id, rungs: s.rungs, source }));
    return s;
  };

  /** Ends a session's window now and publishes its replay (settles once published). */
  const closeSession = (s: Session): Promise<void> => {
    s.window.end();
    s.lowLatency?.window.end();
    const recording = recordings.get(s);
    recordings.delete(s);
    return recording?.finish() ?? Promise.resolve();
  };

  /** True while `f` is the connected publish of session `s` and the channel is not stopping. */
  const current = (f: LiveFeed, s: Session): boolean => feed === f && !stopping && session === s;

  const startRun = async (f: LiveFeed, s: Session): Promise<void> => {
    if (run) await waitForRun(run);
    if (!current(f, s)) return;
    let r: LiveRun;
    try {
      r = await startLiveRun({
        channelId, channelDir: opts.dir, session: s, feed: f, settings, log, startJob,
        onListed: (stored, bytes) => {
          recordings.get(s)?.add(stored);
          disk.listed(bytes);
        },
        onExit: (r, exit) => onRunExit(r, s, f, exit),
      });
    } catch (e) {
      if (!current(f, s)) return;
      disk.report(toWriteProblem(e));
      retryWhenWritable(f, s, 0);
      return;
    }
    oldRuns.set(r.id, r.dir);
    if (!current(f, s)) {
      r.detach();
      void r.job.stop();
      return;
    }
    run = r;
  };

  const waitForRun = async (r: LiveRun): Promise<void> => {
    const timer = setTimeout(() => void r.job.stop(), 10_000);
    await r.done;
    clearTimeout(timer);
  };

  const onRunExit = async (r: LiveRun, s: Session, f: LiveFeed, exit: JobExit): Promise<void> => {
    if (run === r) run = undefined;
    if (stopping || r.finishing || !current(f, s)) return;
    s.window.markDiscontinuity();
    if (r.recycling) {
      apply({ type: 'restarted' });
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
    const delay = restartDelayMs(apply({ type: 'transcoder-failed', at: Date.now() }), backoffMs);
    if (delay === undefined) {
      log.error(exited, exitFields);
      log.error(`transcoder failed ${state.failures.length} times within ${FAILURE_WINDOW_MS / 1000}s; giving up until the publisher reconnects`, { channel: channelId });
      void closeSession(s);
      return;
    }
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
      apply({ type: 'restarted' });
      await startRun(f, s);
    }, Math.min(backoffMs * 2 ** attempt, STORAGE_RETRY_MAX_MS));
  };

  /**
   * Watches a running transcoder's output: a stall or a lost segment means checking the disk. ffmpeg keeps
   * running on a full disk and resumes by itself when space returns; one that stays silent after that is restarted.
   */
  const watch = async (r: LiveRun): Promise<void> => {
    const now = Date.now();
    if (now < nextWatchAt || r.finishing || r.recycling) return;
    if (!r.takeSuspect() && now - r.progressAt < stallMs) return;
    nextWatchAt = now + WATCH_INTERVAL_MS;
    const verdict = await disk.checkRunning(now);
    if (verdict !== 'stuck' || run !== r || r.finishing) return;
    log.warn('the transcoder wrote nothing since the disk recovered; restarting it', { channel: channelId, run: r.id });
    r.recycling = true;
    void r.job.stop();
  };

  /** One poll: lists new segments, watches the running transcoder, deletes what has expired. Never throws. */
  const tick = async (): Promise<void> => {
    try {
      if (run) {
        const r = run;
        await r.scan();
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
    if (feed || !session || session.window.ended) return;
    log.info('live session ended', { channel: channelId, segments: session.window.listedCount });
    await closeSession(session);
  };

  return {
    async publishStarted(f) {
      feed = f;
      apply({ type: 'published' });
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
      apply({ type: 'unpublished' });
      clearTimeout(restartTimer);
      if (run) {
        run.finishing = true;
        run.detach();
        run.job.finish();
      }
      if (!session || session.window.ended) return;
      graceTimer = setTimeout(() => void endSession(), settings.liveGraceSeconds * 1000);
    },
    state: () => liveStateOf(state, session && { listed: session.window.listedCount, ended: session.window.ended }, disk.problem !== undefined),
    master: (variant = 'plain', range = 'hot') => (session && session.window.listedCount > 0 ? session.masters[range][variant] : undefined),
    media: (rung, variant = 'plain', range = 'hot') => (session && session.window.listedCount > 0 ? session.media(rung, variant, range) : undefined),
    segment: (runId, rung, file) => [session, ...oldSessions].map((s) => s?.window.lookup(runId, rung, file)).find(Boolean),
    lowLatency: () => (session?.lowLatency && session.lowLatency.window.edge !== undefined ? session.lowLatency : undefined),
    lowLatencyFile(runId, rung, file) {
      for (const s of [session, ...oldSessions]) {
        const w = s?.lowLatency?.window;
        const found = w && (file.kind === 'init' ? w.init(runId, rung) : file.kind === 'segment' ? w.segment(runId, rung, file.msn) : w.part(runId, rung, file.msn, file.part)?.bytes);
        if (found) return found;
      }
      return undefined;
    },
    newestSegmentFile: () => (session && !session.window.ended ? session.window.newest(session.rungs.at(-1)!.name)?.path : undefined),
    get restarts() {
      return state.restarts;
    },
    transcoder: () => (run?.job.pid !== undefined && !state.failed ? { pid: run.job.pid, realtime: run.realtime() } : undefined),
    async stop() {
      stopping = true;
      clearInterval(poll);
      clearTimeout(graceTimer);
      clearTimeout(restartTimer);
      if (run) {
        run.detach();
        await run.job.stop();
        await run.done;
      }
      // a show cut short by the origin stopping is published as it stands
      await Promise.all([...recordings.keys()].map((s) => closeSession(s)));
    },
  };
}
