import { carry, playlistHeader, type QueryCarrier } from './playlist.ts';

/** A partial segment as listed: `EXT-X-PART`. */
export interface ListedPart {
  readonly uri: string;
  readonly duration: number;
  readonly independent: boolean;
}

/** A segment of a low-latency playlist: complete (with `EXTINF`) or the open one at the live edge (parts only). */
export interface LowLatencySegment {
  readonly uri: string;
  readonly duration: number;
  readonly complete: boolean;
  readonly discontinuity: boolean;
  readonly programDateTime: number;
  /** The init segment it needs (`EXT-X-MAP`); written when it differs from the previous segment's. */
  readonly mapUri: string;
  readonly parts: readonly ListedPart[];
}

/** Another rendition's live edge: `EXT-X-RENDITION-REPORT`. */
export interface RenditionReport {
  readonly uri: string;
  readonly lastMsn: number;
  readonly lastPart: number;
}

/** What a low-latency media playlist shows (rfc8216bis): segments, their parts near the edge and the next part's hint. */
export interface LowLatencyPlaylistState {
  readonly targetDuration: number;
  readonly partTarget: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly segments: readonly LowLatencySegment[];
  /** The part the origin will publish next (`EXT-X-PRELOAD-HINT`); absent once ended. */
  readonly preloadHint: string | undefined;
  readonly renditionReports: readonly RenditionReport[];
  readonly ended: boolean;
}

/** Server-control figures of a low-latency playlist, from its target durations. */
export function serverControl(targetDuration: number, partTarget: number): { partHoldBack: number; canSkipUntil: number } {
  // PART-HOLD-BACK at least twice PART-TARGET (three is the spec's recommendation); CAN-SKIP-UNTIL at least six target durations
  return { partHoldBack: round3(3 * partTarget), canSkipUntil: 6 * targetDuration };
}

/**
 * Renders a low-latency media playlist. Parts are listed for the last three segments, those within three
 * target durations of the end. With `skip` (a `_HLS_skip=YES` request), segments further than CAN-SKIP-UNTIL from the end are
 * replaced by `EXT-X-SKIP` (a delta update). With a carrier, every URI carries the playlist's signature.
 */
export function renderLowLatencyPlaylist(s: LowLatencyPlaylistState, opts: { carrier?: QueryCarrier | undefined; skip?: boolean } = {}): string {
  const { carrier } = opts;
  const { partHoldBack, canSkipUntil } = serverControl(s.targetDuration, s.partTarget);
  const complete = s.segments.filter((seg) => seg.complete);
  const skipped = opts.skip ? skippable(complete, canSkipUntil) : 0;
  const lines = [
    ...playlistHeader(carrier, 9), // EXT-X-SKIP needs version 9
    `#EXT-X-TARGETDURATION:${s.targetDuration}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${partHoldBack.toFixed(3)},CAN-SKIP-UNTIL=${canSkipUntil.toFixed(1)}`,
    `#EXT-X-PART-INF:PART-TARGET=${s.partTarget.toFixed(3)}`,
    `#EXT-X-MEDIA-SEQUENCE:${s.mediaSequence}`,
  ];
  if (s.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${s.discontinuitySequence}`);
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  // parts are listed for the segments within three target durations of the end, the last three at most
  const partsFrom = Math.max(partsStart(s.segments, 3 * s.targetDuration), s.segments.length - 3);
  let map: string | undefined;
  s.segments.forEach((seg, i) => {
    if (i < skipped) return;
    if (seg.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (seg.mapUri !== map) lines.push(`#EXT-X-MAP:URI="${carry(seg.mapUri, carrier)}"`);
    map = seg.mapUri;
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.programDateTime).toISOString()}`);
    if (i >= partsFrom) {
      for (const part of seg.parts) {
        lines.push(`#EXT-X-PART:DURATION=${part.duration.toFixed(5)},URI="${carry(part.uri, carrier)}"${part.independent ? ',INDEPENDENT=YES' : ''}`);
      }
    }
    if (seg.complete) lines.push(`#EXTINF:${seg.duration.toFixed(5)},`, carry(seg.uri, carrier));
  });
  if (s.ended) lines.push('#EXT-X-ENDLIST');
  else if (s.preloadHint) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${carry(s.preloadHint, carrier)}"`);
  const reportCarrier = carrier && { ...carrier, prefix: '' }; // the other renditions sit beside this playlist
  for (const r of s.renditionReports) lines.push(`#EXT-X-RENDITION-REPORT:URI="${carry(r.uri, reportCarrier)}",LAST-MSN=${r.lastMsn},LAST-PART=${r.lastPart}`);
  return `${lines.join('\n')}\n`;
}

/** How many leading complete segments end further than `boundary` seconds from the playlist's end. */
function skippable(complete: readonly LowLatencySegment[], boundary: number): number {
  let after = complete.reduce((n, seg) => n + seg.duration, 0);
  let count = 0;
  for (const seg of complete) {
    after -= seg.duration;
    if (after < boundary) break;
    count++;
  }
  return count;
}

/** Index of the first segment ending within `seconds` of the end. */
function partsStart(segments: readonly LowLatencySegment[], seconds: number): number {
  let behind = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (behind >= seconds) return i + 1;
    behind += segments[i]!.duration;
  }
  return 0;
}

const round3 = (n: number): number => Math.ceil(n * 1000 - 1e-6) / 1000;
