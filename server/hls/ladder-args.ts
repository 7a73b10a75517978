import path from 'node:path';
import { AUDIO_KBPS, type Rung } from './ladder.ts';

/** The private playlist ffmpeg writes per rung (read by the supervisor, never served). */
export const PRIVATE_PLAYLIST = 'index.m3u8';

/** The filter graph: one decode, split into one scaler per rung. */
export function ladderFilterGraph(rungs: readonly Rung[]): string {
  const labels = rungs.map((_, i) => `[s${i}]`).join('');
  const scalers = rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`);
  return [`[0:v:0]split=${rungs.length}${labels}`, ...scalers].join(';');
}

/** How one rung is encoded and cut: the same flags for live and VOD, so their renditions match. */
export interface RungOutput {
  readonly rung: Rung;
  readonly index: number;
  readonly hasAudio: boolean;
  readonly segmentSeconds: number;
  readonly preset: string;
  readonly tune?: string;
  /** The rung's folder: `<dir>/index.m3u8` and `<dir>/<n>.ts`. */
  readonly dir: string;
  /** `live`: a rolling private list, files appear complete; `vod`: the whole list, written once. */
  readonly kind: 'live' | 'vod';
  /**
   * Live only: the same encode also goes as fragmented MP4 to file descriptor `fd` (LL-HLS), a fragment at
   * every keyframe and after `partSeconds`. ffmpeg then runs in the run's folder and `dir` is relative to it.
   */
  readonly fragments?: { readonly fd: number; readonly partSeconds: number };
}

/** The fragmented-MP4 muxer's options for LL-HLS parts: an init segment first, then one `moof` + `mdat` per part. */
export function fragmentMuxerOptions(partSeconds: number): string {
  return `f=mp4:movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=${Math.round(partSeconds * 1e6)}`;
}

/** The output arguments of one rung: encoder settings and the HLS muxer. */
export function rungOutputArgs(o: RungOutput): string[] {
  const { rung } = o;
  return [
    '-map', `[v${o.index}]`,
    ...(o.hasAudio ? ['-map', '0:a:0'] : []),
    '-c:v', 'libx264',
    '-preset', o.preset,
    ...(o.tune ? ['-tune', o.tune] : []),
    '-profile:v', rung.profile, // matches the CODECS written in the master playlist
    '-level:v', rung.level,
    '-pix_fmt', 'yuv420p', // the only chroma format every player decodes
    '-b:v', `${rung.videoKbps}k`,
    '-maxrate', `${rung.maxrateKbps}k`, // capped VBR: BANDWIDTH in the master stays truthful
    '-bufsize', `${rung.bufsizeKbps}k`,
    '-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`, // IDR every segment, same instants in every rung
    '-sc_threshold', '0', // no scene-cut keyframes: they would differ between rungs
    ...(o.hasAudio ? ['-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ac', '2'] : []),
    '-max_muxing_queue_size', '1024', // split outputs start together; give the muxers room
    ...(o.fragments ? teeArgs(o, o.fragments) : hlsArgs(o)),
  ];
}

function hlsArgs(o: RungOutput): string[] {
  return [
    '-f', 'hls',
    '-hls_time', String(o.segmentSeconds), // cut at the first keyframe after this many seconds
    ...(o.kind === 'live'
      ? ['-hls_list_size', '10', '-hls_flags', 'independent_segments+temp_file'] // recent segments only; files appear complete
      : ['-hls_list_size', '0', '-hls_playlist_type', 'vod', '-hls_flags', 'independent_segments']), // every segment, one list
    '-hls_segment_filename', path.join(o.dir, '%d.ts'),
    path.join(o.dir, PRIVATE_PLAYLIST),
  ];
}

/**
 * One encode to two muxers (ffmpeg's tee): the TS segments as without LL-HLS, and fragmented MP4 on a pipe.
 * The encoder writes SPS/PPS as global headers (MP4 needs them in its init segment; the TS muxer repeats them
 * at every keyframe). Paths are relative (ffmpeg runs in the run's folder) so nothing needs tee escaping.
 */
function teeArgs(o: RungOutput, fragments: { fd: number; partSeconds: number }): string[] {
  const hls = `f=hls:hls_time=${o.segmentSeconds}:hls_list_size=10:hls_flags=independent_segments+temp_file:hls_segment_filename=${o.dir}/%d.ts`;
  return ['-flags', '+global_header', '-f', 'tee', `[${hls}]${o.dir}/${PRIVATE_PLAYLIST}|[${fragmentMuxerOptions(fragments.partSeconds)}]pipe\\:${fragments.fd}`];
}
