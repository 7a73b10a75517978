import crypto from 'node:crypto';
import { fitLadder, type Rung, type SourceInfo } from '../hls/ladder.ts';
import { renderMasterPlaylist, renderMediaPlaylist, type QueryCarrier } from '../hls/playlist.ts';
import { createSegmentWindow, type SegmentWindow } from './segment-window.ts';

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
  readonly masters: Record<PlaylistVariant, PlaylistBody>;
  /** A rung's media playlist, rendered again only when the window has changed. */
  media(rung: string, variant: PlaylistVariant): PlaylistBody | undefined;
}

/** What a session is cut from. */
export interface LiveSessionOptions {
  readonly source: SourceInfo;
  readonly settings: { readonly ladder: Parameters<typeof fitLadder>[0]; readonly liveWindowSegments: number; readonly segmentSeconds: number };
  readonly retentionMs: number;
  /** Query parameters the `query` playlists carry to their children (the signing parameters). */
  readonly signatureParams: readonly string[];
}

/** Starts a session: fits the ladder to the source and renders its masters once. */
export function createLiveSession(opts: LiveSessionOptions): LiveSession {
  const { source, settings } = opts;
  const carriers: Record<PlaylistVariant, QueryCarrier | undefined> = { plain: undefined, query: { params: opts.signatureParams, prefix: '../' } };
  const rungs = fitLadder(settings.ladder, source);
  const id = crypto.randomBytes(4).toString('hex');
  const variants = rungs.map((rung) => ({ rung, uri: `${rung.name}.m3u8` }));
  const masterBody = (variant: PlaylistVariant): PlaylistBody => ({
    // the query master sits in q/ beside its media playlists: no prefix for its children
    text: renderMasterPlaylist(variants, source, carriers[variant] && { ...carriers[variant], prefix: '' }),
    etag: `"m-${id}-${variant}"`,
    ended: false,
  });
  const window = createSegmentWindow({ rungs: rungs.map((r) => r.name), windowSize: settings.liveWindowSegments, segmentSeconds: settings.segmentSeconds, retentionMs: opts.retentionMs });
  // per variant and rung, the body of the window version it was rendered from: a reload builds no strings
  const rendered: Record<PlaylistVariant, Map<string, { version: number; body: PlaylistBody }>> = { plain: new Map(), query: new Map() };
  return {
    id,
    rungs,
    source,
    window,
    masters: { plain: masterBody('plain'), query: masterBody('query') },
    media(rung, variant) {
      const version = window.version;
      const cached = rendered[variant].get(rung);
      if (cached?.version === version) return cached.body;
      const state = window.media(rung);
      if (!state) return undefined;
      const body = { text: renderMediaPlaylist(state, carriers[variant]), etag: `"${id}-${rung}-${variant}-${version}"`, ended: state.ended };
      rendered[variant].set(rung, { version, body });
      return body;
    },
  };
}
