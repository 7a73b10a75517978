import type { MediaPlaylistState } from '../hls/playlist.ts';

/** One rung's copy of a segment, where it lives and (while in the hot window) its bytes. */
export interface StoredSegment {
  readonly seq: number;
  readonly runId: string;
  readonly rung: string;
  readonly file: string;
  readonly duration: number;
  readonly path: string;
  readonly discontinuity: boolean;
  /** Wall-clock time of the segment's first frame (ms), as the origin received it. */
  readonly programDateTime: number;
  bytes: Buffer | undefined;
}

/** The same segment in every rung, listed together so sequence numbers stay aligned across rungs. */
export type SegmentGroup = ReadonlyArray<Omit<StoredSegment, 'seq' | 'discontinuity' | 'programDateTime'>>;

/** Which playlist of a session: the short hot window most viewers read, or the DVR range behind it. */
export type WindowRange = 'hot' | 'dvr';

/** Sizes of the window and how long a segment outlives its listing. */
export interface SegmentWindowOptions {
  readonly rungs: readonly string[];
  /** Segments the hot playlists list (their bytes stay in memory). */
  readonly windowSize: number;
  /** Segments the DVR playlists list, read from disk past the hot window (default: windowSize, no DVR). */
  readonly dvrSize?: number;
  readonly segmentSeconds: number;
  readonly retentionMs: number;
}

/** The live window of one session: what each media playlist lists, and what may be deleted when. */
export interface SegmentWindow {
  /** Lists a group; returns the segments as stored (with sequence number, discontinuity and program date). */
  append(group: SegmentGroup, now: number): readonly StoredSegment[];
  /** The next appended segment starts after a break. */
  markDiscontinuity(): void;
  end(): void;
  readonly ended: boolean;
  /** Segments listed so far in this session. */
  readonly listedCount: number;
  /** Bumped on every change; playlists are re-rendered when it moves. */
  readonly version: number;
  /** Drops every listed segment from the window (a new session begins). */
  retireAll(now: number): void;
  /** Retired segments whose grace has passed; they are forgotten and should be deleted. */
  takeExpired(now: number): StoredSegment[];
  lookup(runId: string, rung: string, file: string): StoredSegment | undefined;
  /** Segments still known (listed or retired but not yet expired). */
  readonly size: number;
  hasRun(runId: string): boolean;
  media(rung: string, range?: WindowRange): MediaPlaylistState | undefined;
  /** The newest segment of a rung in the hot window. */
  newest(rung: string): StoredSegment | undefined;
  /** Program date of the oldest segment the DVR playlists list, if any. */
  readonly dvrStart: number | undefined;
}

/** One range's lists per rung and the discontinuities that have left it. */
interface Range {
  readonly size: number;
  readonly lists: Map<string, StoredSegment[]>;
  discontinuitySequence: number;
}

/** Builds an empty window. */
export function createSegmentWindow(opts: SegmentWindowOptions): SegmentWindow {
  const range = (size: number): Range => ({ size, lists: new Map(opts.rungs.map((r) => [r, []])), discontinuitySequence: 0 });
  const hot = range(opts.windowSize);
  const dvr = range(Math.max(opts.windowSize, opts.dvrSize ?? opts.windowSize));
  const retired: Array<{ due: number; seg: StoredSegment }> = [];
  const index = new Map<string, StoredSegment>();
  /** Known segments per run (a dead run's folder may go once its count is zero). */
  const perRun = new Map<string, number>();
  const key = (runId: string, rung: string, file: string): string => `${runId}/${rung}/${file}`;
  let nextSeq = 0;
  let pendingDiscontinuity = false;
  let ended = false;
  let version = 0;
  let targetDuration = opts.segmentSeconds;
  /** Where the last listed segment ended on the wall clock: the next one of the same run starts there. */
  let clockEnd: number | undefined;

  const retire = (seg: StoredSegment, now: number): void => {
    seg.bytes = undefined;
    retired.push({ due: now + opts.retentionMs, seg });
  };
  /** Appends to one range's list; returns what the list pushed out. */
  const push = (r: Range, seg: StoredSegment): StoredSegment[] => {
    const list = r.lists.get(seg.rung)!;
    list.push(seg);
    const out: StoredSegment[] = [];
    while (list.length > r.size) {
      const gone = list.shift()!;
      if (gone.discontinuity && seg.rung === opts.rungs[0]) r.discontinuitySequence++;
      out.push(gone);
    }
    return out;
  };

  return {
    append(group, now) {
      if (ended) return [];
      const seq = nextSeq++;
      const discontinuity = pendingDiscontinuity && seq > 0;
      pendingDiscontinuity = false;
      const duration = group[0]?.duration ?? 0;
      // a run's segments follow each other; after a break the segment is dated from when it was listed
      const programDateTime = clockEnd !== undefined && !discontinuity ? clockEnd : now - duration * 1000;
      clockEnd = programDateTime + duration * 1000;
      const stored: StoredSegment[] = [];
      for (const part of group) {
        if (!hot.lists.has(part.rung)) continue;
        const seg: StoredSegment = { ...part, seq, discontinuity, programDateTime };
        stored.push(seg);
        index.set(key(seg.runId, seg.rung, seg.file), seg);
        perRun.set(seg.runId, (perRun.get(seg.runId) ?? 0) + 1);
        targetDuration = Math.max(targetDuration, Math.ceil(seg.duration));
        // past the hot window a segment is read from disk; past the DVR range it is retired
        for (const gone of push(hot, seg)) gone.bytes = undefined;
        for (const gone of push(dvr, seg)) retire(gone, now);
      }
      version++;
      return stored;
    },
    markDiscontinuity() {
      pendingDiscontinuity = true;
    },
    end() {
      if (!ended) version++;
      ended = true;
    },
    get ended() {
      return ended;
    },
    get listedCount() {
      return nextSeq;
    },
    get version() {
      return version;
    },
    retireAll(now) {
      for (const list of hot.lists.values()) list.splice(0);
      for (const list of dvr.lists.values()) list.splice(0).forEach((seg) => retire(seg, now));
      version++;
    },
    takeExpired(now) {
      const out: StoredSegment[] = [];
      while (retired.length > 0 && retired[0]!.due <= now) {
        const { seg } = retired.shift()!;
        index.delete(key(seg.runId, seg.rung, seg.file));
        const left = perRun.get(seg.runId)! - 1;
        if (left > 0) perRun.set(seg.runId, left);
        else perRun.delete(seg.runId);
        out.push(seg);
      }
      return out;
    },
    lookup: (runId, rung, file) => index.get(key(runId, rung, file)),
    get size() {
      return index.size;
    },
    hasRun: (runId) => perRun.has(runId),
    media(rung, which = 'hot') {
      const r = which === 'hot' ? hot : dvr;
      const list = r.lists.get(rung);
      if (!list) return undefined;
      const first = list[0];
      return {
        targetDuration,
        mediaSequence: first ? first.seq : nextSeq,
        discontinuitySequence: r.discontinuitySequence,
        segments: list.map((s) => ({ uri: `${s.runId}/${s.rung}/${s.file}`, duration: s.duration, discontinuity: s.discontinuity, programDateTime: s.programDateTime })),
        ended,
      };
    },
    newest: (rung) => hot.lists.get(rung)?.at(-1),
    get dvrStart() {
      return dvr.lists.get(opts.rungs[0]!)?.[0]?.programDateTime;
    },
  };
}
