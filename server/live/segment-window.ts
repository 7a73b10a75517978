import type { MediaPlaylistState } from '../hls/playlist.ts';

/** One rung's copy of a segment, where it lives and (while listed) its bytes. */
export interface StoredSegment {
  readonly seq: number;
  readonly runId: string;
  readonly rung: string;
  readonly file: string;
  readonly duration: number;
  readonly path: string;
  readonly discontinuity: boolean;
  bytes: Buffer | undefined;
}

/** The same segment in every rung, listed together so sequence numbers stay aligned across rungs. */
export type SegmentGroup = ReadonlyArray<Omit<StoredSegment, 'seq' | 'discontinuity'>>;

/** Sizes of the window and how long a segment outlives its listing. */
export interface SegmentWindowOptions {
  readonly rungs: readonly string[];
  readonly windowSize: number;
  readonly segmentSeconds: number;
  readonly retentionMs: number;
}

/** The live window of one session: what each media playlist lists, and what may be deleted when. */
export interface SegmentWindow {
  append(group: SegmentGroup, now: number): void;
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
  media(rung: string): MediaPlaylistState | undefined;
}

/** Builds an empty window. */
export function createSegmentWindow(opts: SegmentWindowOptions): SegmentWindow {
  const listed = new Map<string, StoredSegment[]>(opts.rungs.map((r) => [r, []]));
  const retired: Array<{ due: number; seg: StoredSegment }> = [];
  const index = new Map<string, StoredSegment>();
  const key = (runId: string, rung: string, file: string): string => `${runId}/${rung}/${file}`;
  let nextSeq = 0;
  let discontinuitySequence = 0;
  let pendingDiscontinuity = false;
  let ended = false;
  let version = 0;
  let targetDuration = opts.segmentSeconds;

  const retire = (seg: StoredSegment, now: number): void => {
    seg.bytes = undefined;
    retired.push({ due: now + opts.retentionMs, seg });
  };

  return {
    append(group, now) {
      if (ended) return;
      const seq = nextSeq++;
      const discontinuity = pendingDiscontinuity && seq > 0;
      pendingDiscontinuity = false;
      for (const part of group) {
        const list = listed.get(part.rung);
        if (!list) continue;
        const seg: StoredSegment = { ...part, seq, discontinuity };
        list.push(seg);
        index.set(key(seg.runId, seg.rung, seg.file), seg);
        targetDuration = Math.max(targetDuration, Math.ceil(seg.duration));
        while (list.length > opts.windowSize) {
          const gone = list.shift()!;
          if (gone.discontinuity && part.rung === opts.rungs[0]) discontinuitySequence++;
          retire(gone, now);
        }
      }
      version++;
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
      for (const list of listed.values()) list.splice(0).forEach((seg) => retire(seg, now));
      version++;
    },
    takeExpired(now) {
      const out: StoredSegment[] = [];
      while (retired.length > 0 && retired[0]!.due <= now) {
        const { seg } = retired.shift()!;
        index.delete(key(seg.runId, seg.rung, seg.file));
        out.push(seg);
      }
      return out;
    },
    lookup: (runId, rung, file) => index.get(key(runId, rung, file)),
    get size() {
      return index.size;
    },
    hasRun: (runId) => [...index.values()].some((s) => s.runId === runId),
    media(rung) {
      const list = listed.get(rung);
      if (!list) return undefined;
      const first = list[0];
      return {
        targetDuration,
        mediaSequence: first ? first.seq : nextSeq,
        discontinuitySequence,
        segments: list.map((s) => ({ uri: `${s.runId}/${s.rung}/${s.file}`, duration: s.duration, discontinuity: s.discontinuity })),
        ended,
      };
    },
  };
}
