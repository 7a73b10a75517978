import { AUDIO_KBPS, type Rung, type SourceInfo } from './ladder.ts';

/** A segment as listed in a media playlist. */
export interface ListedSegment {
  readonly uri: string;
  readonly duration: number;
  /** Starts after a break in the stream (reconnect, transcoder restart). */
  readonly discontinuity: boolean;
  /** Wall-clock time of its first frame (ms): written on the first segment and after each discontinuity. */
  readonly programDateTime?: number;
}

/** What a media playlist shows: a window of segments and the counters before it. */
export interface MediaPlaylistState {
  readonly targetDuration: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly segments: readonly ListedSegment[];
  readonly ended: boolean;
}

/**
 * How child URIs carry a signature without per-viewer playlists: HLS variable substitution. Each
 * parameter is defined from the playlist's own query (`#EXT-X-DEFINE:QUERYPARAM`) and appended to every
 * child URI as `{$name}`, so one playlist body serves every viewer.
 */
export interface QueryCarrier {
  readonly params: readonly string[];
  /** Path from this playlist's folder to the folder its child URIs are relative to (e.g. `../`). */
  readonly prefix: string;
}

/** A child URI as written: with a carrier, prefixed and carrying the signature by `{$name}` references. */
export function carry(uri: string, carrier: QueryCarrier | undefined): string {
  if (!carrier) return uri;
  return `${carrier.prefix}${uri}?${carrier.params.map((p) => `${p}={$${p}}`).join('&')}`;
}

/** The first lines of a playlist: `version` (at least) and, with a carrier, its QUERYPARAM definitions. */
export function playlistHeader(carrier: QueryCarrier | undefined, version = 3): string[] {
  // QUERYPARAM needs protocol version 11
  if (!carrier) return ['#EXTM3U', `#EXT-X-VERSION:${version}`];
  return ['#EXTM3U', '#EXT-X-VERSION:11', ...carrier.params.map((p) => `#EXT-X-DEFINE:QUERYPARAM="${p}"`)];
}

/** Renders an HLS media playlist; with a carrier, segment URIs carry the playlist's signature. */
export function renderMediaPlaylist(s: MediaPlaylistState, carrier?: QueryCarrier): string {
  const lines = [
    ...playlistHeader(carrier),
    `#EXT-X-TARGETDURATION:${s.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${s.mediaSequence}`,
  ];
  if (s.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${s.discontinuitySequence}`);
  for (const seg of s.segments) {
    if (seg.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (seg.programDateTime !== undefined && (seg.discontinuity || seg === s.segments[0])) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.programDateTime).toISOString()}`);
    }
    lines.push(`#EXTINF:${seg.duration.toFixed(3)},`, carry(seg.uri, carrier));
  }
  if (s.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** One variant of a master playlist. */
export interface Variant {
  readonly rung: Rung;
  readonly uri: string;
}

/** Renders a master playlist with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE. */
export function renderMasterPlaylist(variants: readonly Variant[], source: SourceInfo, carrier?: QueryCarrier): string {
  const lines = [...playlistHeader(carrier), '#EXT-X-INDEPENDENT-SEGMENTS'];
  const audioKbps = source.hasAudio ? AUDIO_KBPS : 0;
  for (const { rung, uri } of variants) {
    // peak: capped video rate plus audio, plus ~8 % MPEG-TS overhead; average: the targets plus overhead
    const bandwidth = Math.round((rung.maxrateKbps + audioKbps) * 1080);
    const average = Math.round((rung.videoKbps + audioKbps) * 1080);
    const codecs = source.hasAudio ? `${rung.codecs},mp4a.40.2` : rung.codecs;
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},AVERAGE-BANDWIDTH=${average},RESOLUTION=${rung.width}x${rung.height},` +
        `CODECS="${codecs}",FRAME-RATE=${source.fps.toFixed(3)}`,
      carry(uri, carrier),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A segment found in a playlist ffmpeg wrote. */
export interface ParsedSegment {
  readonly uri: string;
  readonly duration: number;
}

/** Reads the segments of a media playlist (ffmpeg's private one): EXTINF durations and URIs, in order. */
export function parseMediaPlaylist(text: string): ParsedSegment[] {
  const out: ParsedSegment[] = [];
  let duration: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line !== '' && !line.startsWith('#') && duration !== undefined && Number.isFinite(duration)) {
      out.push({ uri: line, duration });
      duration = undefined;
    }
  }
  return out;
}
