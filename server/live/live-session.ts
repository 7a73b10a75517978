import crypto from 'node:crypto';
import { fitLadder, type Rung, type SourceInfo } from '../hls/ladder.ts';
import { renderLowLatencyPlaylist } from '../hls/ll-playlist.ts';
import { renderMasterPlaylist, renderMediaPlaylist, type QueryCarrier } from '../hls/playlist.ts';
import { createLowLatencyWindow, type LowLatencyWindow } from './ll-window.ts';
import { createSegmentWindow, type SegmentWindow, type WindowRange } from './segment-window.ts';

/**
 * The two bodies of every playlist: `plain` (relative URIs; free items and players that send the signed
 * cookies) and `query` (served under `q/`; URIs carry the signature by HLS variable substitution).
 */
export type PlaylistVariant = 'plain' | 'query';

/** A rendered playlist and its validator. */
export interface PlaylistBody {
  readonly text: string;
  readonly etag: string;
  /** The playlist carries ENDLIST (media playlists; a master never ends). */
  readonly ended: boolean;
}

/** One publish and its reconnects: the fitted ladder, the segment window and its rendered playlists. */
export interface LiveSession {
  readonly id: string;
  readonly rungs: readonly Rung[];
  readonly source: SourceInfo;
  readonly window: SegmentWindow;
  /** The masters of the hot window (`master.m3u8`) and of the DVR range (`dvr.m3u8`, listing `dvr-<rung>.m3u8`). */
  readonly masters: Record<WindowRange, Record<PlaylistVariant, PlaylistBody>>;
  /** A rung's media playlist, rendered again only when the window has changed. */
  media(rung: string, variant: PlaylistVariant, range?: WindowRange): PlaylistBody | undefined;
  /** LL-HLS (absent when off): the parts window, its master (`ll.m3u8`) and its media playlists (`ll-<rung>.m3u8`, whole or as a delta update). */
  readonly lowLatency?: {
    readonly window: LowLatencyWindow;
    readonly masters: Record<PlaylistVariant, PlaylistBody>;
    media(rung: string, variant: PlaylistVariant, skip: boolean): PlaylistBody | undefined;
  };
}

/** What a session is cut from. */
export interface LiveSessionOptions {
  readonly source: SourceInfo;
  readonly settings: { readonly ladder: Parameters<typeof fitLadder>[0]; readonly liveWindowSegments: number; readonly segmentSeconds: number; readonly liveDvrMinutes?: number };
  /** LL-HLS part length in seconds (absent: no LL-HLS). */
  readonly partSeconds?: number;
  readonly retentionMs: number;
  /** Query parameters the `query` playlists carry to their children (the signing parameters). */
  readonly signatureParams: readonly string[];
}

/** A media playlist's name without `.m3u8`: `<rung>` for the hot window, `dvr-<rung>` for the DVR range. */
export const mediaName = (range: WindowRange, rung: string): string => (range === 'hot' ? rung : `dvr-${rung}`);

/** A LL-HLS media playlist's name without `.m3u8`. */
export const lowLatencyName = (rung: string): string => `ll-${rung}`;

/** Complete segments a LL-HLS playlist lists: enough for delta updates to skip some (CAN-SKIP-UNTIL is six target durations). */
const LL_WINDOW_SEGMENTS = 12;

/** The PART-TARGET for a part length: parts end at the first frame at or past it, so a whole number of frames, in ms rounded up. */
export function partTargetOf(partSeconds: number, fps: number): number {
  const frames = Math.max(1, Math.ceil(partSeconds * fps - 1e-6));
  return Math.ceil((frames / Math.max(fps, 1)) * 1000 - 1e-6) / 1000;
}

/** Starts a session: fits the ladder to the source and renders its masters once. */
export function createLiveSession(opts: LiveSessionOptions): LiveSession {
  const { source, settings } = opts;
  const carriers: Record<PlaylistVariant, QueryCarrier | undefined> = { plain: undefined, query: { params: opts.signatureParams, prefix: '../' } };
  const rungs = fitLadder(settings.ladder, source);
  const id = crypto.randomBytes(4).toString('hex');
  const masterBody = (range: WindowRange, variant: PlaylistVariant): PlaylistBody => ({
    // the query master sits in q/ beside its media playlists: no prefix for its children
    text: renderMasterPlaylist(rungs.map((rung) => ({ rung, uri: `${mediaName(range, rung.name)}.m3u8` })), source, carriers[variant] && { ...carriers[variant], prefix: '' }),
    etag: `"m-${id}-${range}-${variant}"`,
    ended: false,
  });
  const dvrSize = Math.ceil(((settings.liveDvrMinutes ?? 0) * 60) / settings.segmentSeconds);
  const window = createSegmentWindow({ rungs: rungs.map((r) => r.name), windowSize: settings.liveWindowSegments, dvrSize, segmentSeconds: settings.segmentSeconds, retentionMs: opts.retentionMs });
  // per range, variant and rung, the body of the window version it was rendered from: a reload builds no strings
  type Rendered = Map<string, { version: number; body: PlaylistBody }>;
  const rendered: Record<WindowRange, Record<PlaylistVariant, Rendered>> = { hot: { plain: new Map(), query: new Map() }, dvr: { plain: new Map(), query: new Map() } };
  return {
    id,
    rungs,
    source,
    window,
    ...(opts.partSeconds === undefined ? {} : { lowLatency: lowLatencyOf(id, rungs, source, settings, opts.partSeconds, carriers) }),
    masters: {
      hot: { plain: masterBody('hot', 'plain'), query: masterBody('hot', 'query') },
      dvr: { plain: masterBody('dvr', 'plain'), query: masterBody('dvr', 'query') },
    },
    media(rung, variant, range = 'hot') {
      const version = window.version;
      const cache = rendered[range][variant];
      const cached = cache.get(rung);
      if (cached?.version === version) return cached.body;
      const state = window.media(rung, range);
      if (!state) return undefined;
      const body = { text: renderMediaPlaylist(state, carriers[variant]), etag: `"${id}-${range}-${rung}-${variant}-${version}"`, ended: state.ended };
      cache.set(rung, { version, body });
      return body;
    },
  };
}

/** The LL-HLS side of a session: the parts window and its playlists, each rendered once per window version. */
function lowLatencyOf(
  id: string, rungs: readonly Rung[], source: SourceInfo, settings: LiveSessionOptions['settings'], partSeconds: number, carriers: Record<PlaylistVariant, QueryCarrier | undefined>,
): NonNullable<LiveSession['lowLatency']> {
  const windowSegments = Math.max(settings.liveWindowSegments, LL_WINDOW_SEGMENTS);
  const window = createLowLatencyWindow({
    rungs: rungs.map((r) => r.name), segmentSeconds: settings.segmentSeconds, partTarget: partTargetOf(partSeconds, source.fps), windowSegments, retainSegments: windowSegments,
  });
  const master = (variant: PlaylistVariant): PlaylistBody => ({
    text: renderMasterPlaylist(rungs.map((rung) => ({ rung, uri: `${lowLatencyName(rung.name)}.m3u8` })), source, carriers[variant] && { ...carriers[variant], prefix: '' }),
    etag: `"m-${id}-ll-${variant}"`,
    ended: false,
  });
  const rendered = new Map<string, { version: number; body: PlaylistBody }>();
  return {
    window,
    masters: { plain: master('plain'), query: master('query') },
    media(rung, variant, skip) {
      const key = `${rung}|${variant}|${skip ? 1 : 0}`;
      const version = window.version;
      const cached = rendered.get(key);
      if (cached?.version === version) return cached.body;
      const state = window.media(rung);
      if (!state) return undefined;
      const body = { text: renderLowLatencyPlaylist(state, { carrier: carriers[variant], skip }), etag: `"${id}-ll-${rung}-${variant}-${skip ? 's' : 'f'}-${version}"`, ended: state.ended };
      rendered.set(key, { version, body });
      return body;
    },
  };
}
