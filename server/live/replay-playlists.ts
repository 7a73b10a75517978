import type { Rung, SourceInfo } from '../hls/ladder.ts';
import { renderMasterPlaylist, renderMediaPlaylist, type QueryCarrier } from '../hls/playlist.ts';

/** One recorded segment as the journal keeps it: the same sequence number in every rung. */
export interface RecordedSegment {
  readonly seq: number;
  readonly duration: number;
  /** Wall-clock time of its first frame (ms). */
  readonly programDateTime: number;
  readonly discontinuity: boolean;
}

/**
 * The playlists of a replay, by file name below its version folder: the master and one media playlist per
 * rung, plain and under `q/` (carrying the signature by variable substitution), ended, dated, with the show's
 * discontinuities. Segments are `<rung>/<seq>.ts`, the live ladder's own files.
 */
export function renderReplayPlaylists(segments: readonly RecordedSegment[], rungs: readonly Rung[], source: SourceInfo, signatureParams: readonly string[]): Map<string, string> {
  const query: QueryCarrier = { params: signatureParams, prefix: '../' };
  const files = new Map<string, string>();
  for (const rung of rungs) {
    const state = {
      targetDuration: Math.max(1, ...segments.map((s) => Math.ceil(s.duration))),
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: segments.map((s, i) => ({
        uri: `${rung.name}/${s.seq}.ts`,
        duration: s.duration,
        // a gap in the recording (a segment lost to a failed write) is a break too
        discontinuity: i > 0 && (s.discontinuity || s.seq !== segments[i - 1]!.seq + 1),
        programDateTime: s.programDateTime,
      })),
      ended: true,
    };
    files.set(`${rung.name}.m3u8`, renderMediaPlaylist(state));
    files.set(`q/${rung.name}.m3u8`, renderMediaPlaylist(state, query));
  }
  const variants = rungs.map((rung) => ({ rung, uri: `${rung.name}.m3u8` }));
  files.set('master.m3u8', renderMasterPlaylist(variants, source));
  files.set('q/master.m3u8', renderMasterPlaylist(variants, source, { ...query, prefix: '' }));
  return files;
}
