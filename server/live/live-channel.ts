import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { LiveFeed } from '../ingest/live-feed.ts';
import type { Logger } from '../log.ts';
import { buildLiveArgs, PRIVATE_PLAYLIST } from './ffmpeg-args.ts';
import { createSpeedMonitor, type Progress } from './ffmpeg-progress.ts';
import { fitLadder, type Rung, type SourceInfo } from './ladder.ts';
import { parseMediaPlaylist, renderMasterPlaylist, renderMediaPlaylist, type ParsedSegment, type QueryCarrier } from './playlist.ts';
import { createSegmentWindow, type SegmentWindow, type StoredSegment } from './segment-window.ts';
import { startTranscodeJob, type JobExit, type TranscodeJob, type TranscodeJobOptions } from './transcode-job.ts';

/** Where a channel is in its life. */
export type LiveState = 'idle' | 'starting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/**
 * The two bodies of every playlist: `plain` (relative URIs; free items and players that send the signed
 * cookies) and `query` (served under `q/`; URIs carry the signature by HLS variable substitution).
 */
export type PlaylistVariant = 'plain' | 'query';

/** A rendered playlist and its validator. */
export interface PlaylistBody {
  readonly text: string;
  readonly etag: string;
  readonly ended: boolean;
}

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
  stop(): Promise<void>;
}

interface Session {
  readonly id: string;
  readonly rungs: readonly Rung[];
  readonly source: SourceInfo;
  readonly window: SegmentWindow;
  readonly masters: Record<PlaylistVariant, PlaylistBody>;
  readonly rendered: Map<string, PlaylistBody>;
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
}

const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 60_000;

/** Builds the supervisor for one channel. */
export function createLiveChannel(opts: LiveChannelOptions): LiveChannel {
  const { channelId, settings, log } = opts;
  const startJob = opts.startJob ?? startTranscodeJob;
  const backoffMs = opts.backoffMs ?? 500;
  const retentionMs = opts.retentionMs ?? Math.max(60_000, 3 * settings.liveWindowSegments * settings.segmentSeconds * 1000);
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
  const oldRuns = new Map<string, string>();
  const carriers: Record<PlaylistVariant, QueryCarrier | undefined> = {
    plain: undefined,
    query: { params: opts.signatureParams ?? ['Policy', 'Signature', 'Key-Pair-Id'], prefix: '../' },
  };
  const poll = setInterval(() => void tick(), opts.pollMs ?? 50);
  poll.unref();

  const newSession = (source: SourceInfo): Session => {
    const rungs = fitLadder(settings.ladder, source);
    const id = crypto.randomBytes(4).toString('hex');
    const variants = rungs.map((rung) => ({ rung, uri: `${rung.name}.m3u8` }));
    const masterBody = (variant: PlaylistVariant): PlaylistBody => ({
      // the query master sits in q/ beside its media playlists: no prefix for its children
      text: renderMasterPlaylist(variants, source, carriers[variant] && { ...carriers[variant], prefix: '' }),
      etag: `"m-${id}-${variant}"`,
      ended: false,
    });
    log.info('live session started', { channel: channelId, source: `${source.width}x${source.height}@${source.fps}`, rungs: rungs.map((r) => r.name) });
    return {
      id,
      rungs,
      source,
      window: createSegmentWindow({ rungs: rungs.map((r) => r.name), windowSize: settings.liveWindowSegments, segmentSeconds: settings.segmentSeconds, retentionMs }),
      masters: { plain: masterBody('plain'), query: masterBody('query') },
      rendered: new Map(),
    };
  };

  const startRun = async (f: LiveFeed, s: Session): Promise<void> => {
    if (run) await waitForRun(run);
    if (feed !== f || stopping || session !== s) return;
    const id = `r${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
    const dir = path.join(opts.dir, id);
    await Promise.all(s.rungs.map((r) => fs.mkdir(path.join(dir, r.name), { recursive: true })));
    if (feed !== f || stopping || session !== s) return;
    const args = buildLiveArgs({ rungs: s.rungs, source: s.source, segmentSeconds: settings.segmentSeconds, preset: settings.x264Preset, ...(settings.x264Tune ? { tune: settings.x264Tune } : {}), outDir: dir });
    const job = startJob({ ffmpegPath: settings.ffmpegPath, args, log, onProgress: trackSpeed() });
    const unsubscribe = f.subscribe((chunk) => job.write(chunk));
    const r: Run = { id, dir, job, unsubscribe, listed: 0, finishing: false, scanning: undefined, done: Promise.resolve() };
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
    if (stopping || r.finishing || feed !== f || session !== s) return;
    const now = Date.now();
    failures = [...failures.filter((t) => now - t < FAILURE_WINDOW_MS), now];
    log.error('transcoder exited while the publisher is connected', {
      channel: channelId, run: r.id, pid: r.job.pid, code: exit.code, signal: exit.signal, stderr: exit.stderrTail,
    });
    if (failures.length >= MAX_FAILURES) {
      failed = true;
      s.window.end();
      log.error(`transcoder failed ${failures.length} times within ${FAILURE_WINDOW_MS / 1000}s; giving up until the publisher reconnects`, { channel: channelId });
      return;
    }
    s.window.markDiscontinuity();
    restarts++;
    const delay = Math.min(backoffMs * 2 ** (failures.length - 1), 8000);
    restartTimer = setTimeout(() => void startRun(f, s), delay);
  };

  const trackSpeed = (): ((p: Progress) => void) => {
    const started = Date.now();
    const monitor = createSpeedMonitor({
      periodic: (speed, realtime) => log.info('transcoder speed', { channel: channelId, speed, realtime: realtime?.toFixed(2) }),
      slow: (realtime) => log.warn('transcoder is slower than realtime: viewers will stall', { channel: channelId, realtime: realtime.toFixed(2) }),
      recovered: (realtime) => log.info('transcoder keeps up with realtime again', { channel: channelId, realtime: realtime.toFixed(2) }),
    });
    return (p) => monitor((Date.now() - started) / 1000, p);
  };

  /** Lists the segments every rung of the run has completed, in order, reading each into memory first. */
  const scan = (r: Run, s: Session): Promise<void> => {
    r.scanning ??= (async () => {
      const lists = await Promise.all(s.rungs.map((rung) => readPrivatePlaylist(path.join(r.dir, rung.name, PRIVATE_PLAYLIST))));
      for (;;) {
        const file = `${r.listed}.ts`;
        const found = lists.map((l) => l.find((seg) => seg.uri === file));
        if (found.some((f) => f === undefined) || s.window.ended) break;
        const group = await Promise.all(
          s.rungs.map(async (rung, i) => {
            const p = path.join(r.dir, rung.name, file);
            return { runId: r.id, rung: rung.name, file, duration: found[i]!.duration, path: p, bytes: await fs.readFile(p) };
          }),
        );
        s.window.append(group, Date.now());
        r.listed++;
      }
    })()
      .catch((e: Error) => log.warn('segment scan failed', { channel: channelId, run: r.id, error: e.message }))
      .finally(() => (r.scanning = undefined));
    return r.scanning;
  };

  const tick = async (): Promise<void> => {
    if (run && session) await scan(run, session);
    const all = session ? [session, ...oldSessions] : oldSessions;
    for (const s of all) {
      for (const seg of s.window.takeExpired(Date.now())) await fs.rm(seg.path, { force: true });
    }
    oldSessions = oldSessions.filter((s) => s.window.size > 0);
    for (const [id, dir] of oldRuns) {
      if (id !== run?.id && !all.some((s) => s.window.hasRun(id))) {
        oldRuns.delete(id);
        await fs.rm(dir, { recursive: true, force: true });
      }
    }
  };

  const endSession = async (): Promise<void> => {
    graceTimer = undefined;
    if (run) await waitForRun(run);
    if (feed || !session) return;
    session.window.end();
    log.info('live session ended', { channel: channelId, segments: session.window.listedCount });
  };

  const render = (s: Session, rung: string, variant: PlaylistVariant): PlaylistBody | undefined => {
    const etag = `"${s.id}-${rung}-${variant}-${s.window.version}"`;
    const cached = s.rendered.get(`${rung}:${variant}`);
    if (cached?.etag === etag) return cached;
    const state = s.window.media(rung);
    if (!state) return undefined;
    const body = { text: renderMediaPlaylist(state, carriers[variant]), etag, ended: state.ended };
    s.rendered.set(`${rung}:${variant}`, body);
    return body;
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
      if (feed) return session && session.window.listedCount > 0 && !session.window.ended ? 'live' : 'starting';
      if (session && !session.window.ended) return 'reconnecting';
      return session ? 'ended' : 'idle';
    },
    master: (variant = 'plain') => (session && session.window.listedCount > 0 ? { ...session.masters[variant], ended: session.window.ended } : undefined),
    media: (rung, variant = 'plain') => (session && session.window.listedCount > 0 ? render(session, rung, variant) : undefined),
    segment: (runId, rung, file) => [session, ...oldSessions].map((s) => s?.window.lookup(runId, rung, file)).find(Boolean),
    get restarts() {
      return restarts;
    },
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
