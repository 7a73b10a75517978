import crypto from 'node:crypto';
import { fitLadder, type Rung, type SourceInfo } from '../hls/ladder.ts';
import { renderMasterPlaylist, renderMediaPlaylist, type QueryCarrier } from '../hls/playlist.ts';
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
}

/** What a session is cut from. */
export interface LiveSessionOptions {
  readonly source: SourceInfo;
  readonly settings: { readonly ladder: Parameters<typeof fitLadder>[0]; readonly liveWindowSegments: number; readonly segmentSeconds: number; readonly liveDvrMinutes?: number };
  readonly retentionMs: number;
  /** Query parameters the `query` playlists carry to their children (the signing parameters). */
  readonly signatureParams: readonly string[];
}

/** A media playlist's name without `.m3u8`: `<rung>` for the hot window, `dvr-<rung>` for the DVR range. */
export const mediaName = (range: WindowRange, rung: string): string => (range === 'hot' ? rung : `dvr-${rung}`);

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
