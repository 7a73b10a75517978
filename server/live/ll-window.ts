import type { FragmentInfo } from '../hls/fmp4-boxes.ts';
import type { LowLatencyPlaylistState } from '../hls/ll-playlist.ts';

/** One fMP4 fragment (`moof` + `mdat`) of one rung as ffmpeg wrote it, with its video timing. */
export interface Fragment {
  readonly bytes: Buffer;
  readonly info: FragmentInfo;
}

/** A partial segment of one rung. */
export interface LowLatencyPart {
  readonly bytes: Buffer;
  readonly duration: number;
  readonly independent: boolean;
}

/** A segment of the low-latency window: the same media sequence number and parts in every rung. */
interface Segment {
  readonly msn: number;
  readonly runId: string;
  readonly discontinuity: boolean;
  readonly programDateTime: number;
  /** Parts per rung, in ladder order (the same count in every rung). */
  readonly parts: LowLatencyPart[][];
  /** The whole segment per rung, joined on first request. */
  readonly joined: Array<Buffer | undefined>;
  duration: number;
  complete: boolean;
}

/** A position at the live edge: a segment and a part of it. */
export interface PartPosition {
  readonly msn: number;
  readonly part: number;
}

/** What a low-latency window is sized by. */
export interface LowLatencyWindowOptions {
  readonly rungs: readonly string[];
  readonly segmentSeconds: number;
  /** The declared PART-TARGET: no part is longer. */
  readonly partTarget: number;
  /** Complete segments the playlists list. */
  readonly windowSegments: number;
  /** Complete segments kept past the window for players still fetching them. */
  readonly retainSegments: number;
  /** A misalignment between rungs (different keyframes or start times), once per run. */
  readonly onMisaligned?: (runId: string, detail: string) => void;
}

/** Why a wait ended. */
export type WaitResult = 'ready' | 'timeout' | 'ended';

/**
 * The low-latency window of one session: fragments from every rung, grouped into parts once every rung has
 * them (so all rungs list the same media sequence numbers and parts), segments cut at keyframes, and the
 * requests held until a part appears (blocking playlist reload, preload hints).
 */
export interface LowLatencyWindow {
  /** A run's init segment (`ftyp` + `moov`) of one rung. */
  setInit(runId: string, rung: number, bytes: Buffer): void;
  /** A fragment of one rung, in order. */
  offer(runId: string, rung: number, fragment: Fragment): void;
  /** The run's transcoder exited: its open segment is complete. */
  endRun(runId: string): void;
  end(): void;
  readonly ended: boolean;
  /** Bumped on every change; playlists are rendered again when it moves. */
  readonly version: number;
  /** The newest part listed, if any. */
  readonly edge: PartPosition | undefined;
  /** The part the next group will become (the preload hint), as far as the segment length predicts it. */
  readonly next: PartPosition;
  /** Whether the playlists contain part `part` of segment `msn` or later (without `part`: segment `msn` complete or later). */
  has(msn: number, part: number | undefined): boolean;
  /** Resolves once `has(msn, part)`, the window ends, or `timeoutMs` passes. */
  wait(msn: number, part: number | undefined, timeoutMs: number): Promise<WaitResult>;
  /** Requests held now. */
  readonly waiting: number;
  media(rung: string): LowLatencyPlaylistState | undefined;
  init(runId: string, rung: string): Buffer | undefined;
  segment(runId: string, rung: string, msn: number): Buffer | undefined;
  part(runId: string, rung: string, msn: number, part: number): LowLatencyPart | undefined;
}

/** Builds an empty window. */
export function createLowLatencyWindow(opts: LowLatencyWindowOptions): LowLatencyWindow {
  const rungIndex = new Map(opts.rungs.map((r, i) => [r, i]));
  const segments: Segment[] = [];
  const inits = new Map<string, Array<Buffer | undefined>>();
  let queues: Fragment[][] = opts.rungs.map(() => []);
  let run: string | undefined;
  const closed = new Set<string>();
  /** Where the run's media time meets the wall clock: its first part's start, and when that part was captured. */
  let anchor: { media: number; wall: number } | undefined;
  let nextMsn = 0;
  let pendingDiscontinuity = false;
  let discontinuitySequence = 0;
  let ended = false;
  let version = 0;
  let targetDuration = opts.segmentSeconds;
  const waiters = new Set<{ msn: number; part: number | undefined; done: (r: WaitResult) => void }>();
  const warned = new Set<string>();

  const open = (): Segment | undefined => {
    const last = segments.at(-1);
    return last && !last.complete ? last : undefined;
  };
  const complete = (seg: Segment): void => {
    seg.complete = true;
    targetDuration = Math.max(targetDuration, Math.round(seg.duration));
    trim();
  };
  const changed = (): void => {
    version++;
    for (const w of waiters) if (ended || has(w.msn, w.part)) w.done(ended ? 'ended' : 'ready');
  };
  const has = (msn: number, part: number | undefined): boolean => {
    const last = segments.at(-1);
    if (!last) return false;
    if (last.msn > msn) return true;
    if (last.msn < msn) return false;
    return part === undefined ? last.complete : last.parts[0]!.length > part;
  };
  /** Forgets the oldest complete segments beyond the window and its retention, and the init segments of runs gone with them. */
  const trim = (): void => {
    let completeCount = segments.reduce((n, seg) => n + (seg.complete ? 1 : 0), 0);
    while (completeCount > opts.windowSegments + opts.retainSegments) {
      const gone = segments.shift()!;
      if (gone.discontinuity) discontinuitySequence++;
      completeCount--;
      if (gone.runId !== run && segments[0]?.runId !== gone.runId) inits.delete(gone.runId);
    }
  };
  const find = (runId: string, msn: number): Segment | undefined => {
    const first = segments[0];
    const seg = first && segments[msn - first.msn];
    return seg && seg.runId === runId ? seg : undefined;
  };
  const misaligned = (runId: string, detail: string): void => {
    if (warned.has(runId)) return;
    warned.add(runId);
    opts.onMisaligned?.(runId, detail);
  };

  /** Lists one fragment of every rung as a part: a keyframe in the lead rung starts a segment. */
  const publish = (runId: string, group: Fragment[]): void => {
    const lead = group[0]!.info;
    if (group.some((f) => f.info.keyframe !== lead.keyframe || Math.abs(f.info.start - lead.start) > 0.002)) {
      misaligned(runId, group.map((f) => `${f.info.start.toFixed(3)}${f.info.keyframe ? 'K' : ''}`).join(' '));
    }
    anchor ??= { media: lead.start, wall: Date.now() - lead.duration * 1000 };
    let seg = open();
    if (!seg || (lead.keyframe && seg.parts[0]!.length > 0)) {
      if (seg) complete(seg);
      seg = {
        msn: nextMsn++, runId, discontinuity: pendingDiscontinuity && segments.length > 0, programDateTime: anchor.wall + (lead.start - anchor.media) * 1000,
        parts: opts.rungs.map(() => []), joined: opts.rungs.map(() => undefined), duration: 0, complete: false,
      };
      pendingDiscontinuity = false;
      segments.push(seg);
    }
    const independent = seg.parts[0]!.length === 0 && lead.keyframe;
    group.forEach((f, i) => seg.parts[i]!.push({ bytes: f.bytes, duration: f.info.duration, independent }));
    seg.duration += lead.duration;
    changed();
  };

  const uri = (runId: string, rung: string, name: string): string => `${runId}/${rung}/${name}`;

  return {
    setInit(runId, rung, bytes) {
      const list = inits.get(runId) ?? opts.rungs.map(() => undefined);
      list[rung] = bytes;
      inits.set(runId, list);
    },
    offer(runId, rung, fragment) {
      if (ended || closed.has(runId)) return;
      if (run !== runId) {
        if (run !== undefined) this.endRun(run);
        run = runId;
        queues = opts.rungs.map(() => []);
        pendingDiscontinuity = segments.length > 0;
        anchor = undefined;
      }
      queues[rung]!.push(fragment);
      while (queues.every((q) => q.length > 0)) publish(runId, queues.map((q) => q.shift()!));
    },
    endRun(runId) {
      closed.add(runId);
      if (run !== runId) return;
      run = undefined;
      const seg = open();
      if (seg) complete(seg);
      changed(); // the preload hint goes, whether or not the run published anything
    },
    end() {
      if (ended) return;
      const seg = open();
      if (seg) complete(seg);
      ended = true;
      changed();
    },
    get ended() {
      return ended;
    },
    get version() {
      return version;
    },
    get edge() {
      const last = segments.at(-1);
      return last && { msn: last.msn, part: last.parts[0]!.length - 1 };
    },
    get next() {
      const seg = open();
      // the transcoder forces a keyframe every segment: a full open segment is followed by a new one
      if (!seg || seg.duration + opts.partTarget / 2 >= opts.segmentSeconds) return { msn: nextMsn, part: 0 };
      return { msn: seg.msn, part: seg.parts[0]!.length };
    },
    has,
    wait(msn, part, timeoutMs) {
      if (ended) return Promise.resolve('ended');
      if (has(msn, part)) return Promise.resolve('ready');
      return new Promise((resolve) => {
        const waiter = {
          msn, part,
          done: (r: WaitResult) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(r);
          },
        };
        const timer = setTimeout(() => waiter.done('timeout'), timeoutMs);
        waiters.add(waiter);
      });
    },
    get waiting() {
      return waiters.size;
    },
    media(rung) {
      const i = rungIndex.get(rung);
      if (i === undefined) return undefined;
      const shownComplete = segments.filter((s) => s.complete).slice(-opts.windowSegments);
      const first = shownComplete[0] ?? open();
      const shown = first ? segments.slice(segments.indexOf(first)) : [];
      const firstShown = shown[0];
      const hiddenDiscontinuities = firstShown ? segments.slice(0, segments.indexOf(firstShown)).filter((s) => s.discontinuity).length : 0;
      const edge = this.edge;
      const next = this.next;
      const runOfNext = run ?? segments.at(-1)?.runId;
      return {
        targetDuration,
        partTarget: opts.partTarget,
        mediaSequence: firstShown ? firstShown.msn : nextMsn,
        discontinuitySequence: discontinuitySequence + hiddenDiscontinuities,
        segments: shown.map((s) => ({
          uri: uri(s.runId, rung, `${s.msn}.m4s`),
          duration: s.duration,
          complete: s.complete,
          discontinuity: s.discontinuity,
          programDateTime: s.programDateTime,
          mapUri: uri(s.runId, rung, 'init.mp4'),
          parts: s.parts[i]!.map((p, k) => ({ uri: uri(s.runId, rung, `${s.msn}.${k}.m4s`), duration: p.duration, independent: p.independent })),
        })),
        preloadHint: run !== undefined && !ended && runOfNext ? uri(runOfNext, rung, `${next.msn}.${next.part}.m4s`) : undefined,
        renditionReports: edge ? opts.rungs.filter((r) => r !== rung).map((r) => ({ uri: `ll-${r}.m3u8`, lastMsn: edge.msn, lastPart: edge.part })) : [],
        ended,
      };
    },
    init: (runId, rung) => inits.get(runId)?.[rungIndex.get(rung) ?? -1],
    segment(runId, rung, msn) {
      const i = rungIndex.get(rung);
      const seg = find(runId, msn);
      if (i === undefined || !seg?.complete) return undefined;
      return (seg.joined[i] ??= Buffer.concat(seg.parts[i]!.map((p) => p.bytes)));
    },
    part(runId, rung, msn, part) {
      const i = rungIndex.get(rung);
      return i === undefined ? undefined : find(runId, msn)?.parts[i]![part];
    },
  };
}
