import HLS from 'hls-parser';
import type { MediaPlaylist, PartialSegment, Segment } from 'hls-parser/types.js';

/**
 * Checks a LL-HLS media playlist (as this origin renders it: segments `<msn>.m4s`, parts `<msn>.<part>.m4s`,
 * plain or with a query) against rfc8216bis: first hls-parser in strict mode (it throws on the violations it
 * knows), then the rules below on what it parsed. Every broken rule is one line in `problems`.
 */
export function checkLowLatencyRules(text: string): { playlist: MediaPlaylist; problems: string[] } {
  const problems: string[] = [];
  const playlist = parseStrictly(text, problems);
  if (playlist.isMasterPlaylist) return { playlist, problems: [...problems, 'a master playlist, not a media playlist'] };

  const td = playlist.targetDuration;
  const pt = playlist.partTargetDuration;
  const control = playlist.lowLatencyCompatibility;
  if (!control) problems.push('no EXT-X-SERVER-CONTROL');
  else {
    if (control.canBlockReload !== true) problems.push('SERVER-CONTROL without CAN-BLOCK-RELOAD=YES');
    if (pt !== undefined && !(control.partHoldBack >= 2 * pt - 1e-9)) problems.push(`PART-HOLD-BACK ${control.partHoldBack} is below 2 × PART-TARGET (${pt})`);
    if (control.canSkipUntil !== undefined && !(control.canSkipUntil >= 6 * td - 1e-9)) problems.push(`CAN-SKIP-UNTIL ${control.canSkipUntil} is below 6 × TARGETDURATION (${td})`);
  }
  if (pt === undefined) problems.push('no EXT-X-PART-INF:PART-TARGET');
  const version = playlist.version ?? 1;
  if (playlist.skip > 0 && version < 9) problems.push(`EXT-X-SKIP needs EXT-X-VERSION 9, not ${version}`);
  if ((playlist.defines?.length ?? 0) > 0 && version < 11) problems.push(`EXT-X-DEFINE:QUERYPARAM needs EXT-X-VERSION 11, not ${version}`);

  const segments = realSegments(playlist);
  const hint = hintOf(playlist);
  segments.forEach((seg, i) => {
    const msn = seg.mediaSequenceNumber;
    const open = !seg.uri;
    if (open && i < segments.length - 1) problems.push(`segment ${msn} has no EXTINF/URI but is not the last one`);
    if (i > 0 && msn !== segments[i - 1]!.mediaSequenceNumber + 1) problems.push(`media sequence ${segments[i - 1]!.mediaSequenceNumber} is followed by ${msn}`);
    if (!open) {
      const named = segmentNumber(seg.uri);
      if (named !== msn) problems.push(`segment URI ${seg.uri} is not media sequence number ${msn}`);
    }
    if (!seg.programDateTime) problems.push(`segment ${msn} has no PROGRAM-DATE-TIME`);
    const parts = seg.parts.filter((p) => !p.hint);
    if (parts.length > 0 && i < segments.length - 3) problems.push(`segment ${msn} lists parts but is not one of the last three segments`);
    parts.forEach((part, k) => {
      const named = partNumber(part.uri);
      if (!named || named.msn !== msn || named.part !== k) problems.push(`part ${k} of segment ${msn} is named ${part.uri}`);
      if (part.duration === undefined) problems.push(`part ${part.uri} has no DURATION`);
      else if (pt !== undefined && part.duration > pt + 1e-9) problems.push(`part ${part.uri} lasts ${part.duration} s, more than PART-TARGET ${pt}`);
    });
    if (!open && parts.length > 0) {
      const sum = parts.reduce((n, p) => n + (p.duration ?? 0), 0);
      if (Math.abs(sum - seg.duration) > 1e-3) problems.push(`segment ${msn} lasts ${seg.duration} s but its parts ${sum.toFixed(5)} s`);
    }
  });

  const last = segments.at(-1);
  if (hint) {
    if (playlist.endlist) problems.push('EXT-X-PRELOAD-HINT in an ended playlist');
    const named = partNumber(hint.uri);
    if (!named) problems.push(`preload hint ${hint.uri} is not named <msn>.<part>.m4s`);
    else if (last) {
      const msn = last.mediaSequenceNumber;
      const listed = last.parts.filter((p) => !p.hint).length;
      const after = [{ msn: msn + 1, part: 0 }, ...(last.uri ? [] : [{ msn, part: listed }])];
      if (!after.some((p) => p.msn === named.msn && p.part === named.part)) {
        problems.push(`preload hint ${named.msn}.${named.part} is not the part after the last one (${after.map((p) => `${p.msn}.${p.part}`).join(' or ')})`);
      }
    }
  }
  if (last) {
    const parts = last.parts.filter((p) => !p.hint);
    for (const r of playlist.renditionReports) {
      if (parts.length > 0 && (r.lastMSN !== last.mediaSequenceNumber || r.lastPart !== parts.length - 1)) {
        problems.push(`rendition report ${r.uri} at ${r.lastMSN}.${r.lastPart}, this playlist's edge at ${last.mediaSequenceNumber}.${parts.length - 1}`);
      }
    }
  }
  return { playlist, problems };
}

/** The segments of a parsed playlist, without the trailing entry hls-parser makes of a preload hint that follows a complete segment. */
export function realSegments(playlist: MediaPlaylist): Segment[] {
  const last = playlist.segments.at(-1);
  const hintOnly = last && !last.uri && last.parts.length > 0 && last.parts.every((p) => p.hint);
  return hintOnly ? playlist.segments.slice(0, -1) : playlist.segments;
}

/** The `EXT-X-PRELOAD-HINT:TYPE=PART` as parsed (a part with `hint: true`), if any. */
export function hintOf(playlist: MediaPlaylist): PartialSegment | undefined {
  return playlist.segments.at(-1)?.parts.find((p) => p.hint);
}

/**
 * Each listed segment's media sequence and discontinuity sequence numbers, counted from the playlist's
 * DISCONTINUITY-SEQUENCE and its DISCONTINUITY tags (hls-parser's own count is wrong for an open last segment).
 * A segment must keep its discontinuity sequence number from one reload to the next.
 */
export function sequenceNumbers(playlist: MediaPlaylist): Array<{ msn: number; dsn: number }> {
  let dsn = playlist.discontinuitySequenceBase ?? 0;
  return realSegments(playlist).map((seg) => {
    if (seg.discontinuity) dsn++;
    return { msn: seg.mediaSequenceNumber, dsn };
  });
}

/** The path of a URI without its query. */
const pathOf = (uri: string): string => uri.split('?')[0]!;

/** `<msn>` of a segment URI `…/<msn>.m4s`. */
function segmentNumber(uri: string): number | undefined {
  const m = /(?:^|\/)(\d+)\.m4s$/.exec(pathOf(uri));
  return m ? Number(m[1]) : undefined;
}

/** `<msn>.<part>` of a part URI `…/<msn>.<part>.m4s`. */
export function partNumber(uri: string): { msn: number; part: number } | undefined {
  const m = /(?:^|\/)(\d+)\.(\d+)\.m4s$/.exec(pathOf(uri));
  return m ? { msn: Number(m[1]), part: Number(m[2]) } : undefined;
}

/**
 * Parses with hls-parser in strict mode, its error (if any) becoming a problem; the playlist is then parsed
 * leniently for the other checks. A preload hint after a complete segment (between two runs) becomes a
 * segment of its own in hls-parser, which then counts four "last three" segments: that hint line is left
 * out of the strict parse (the hint is checked here).
 */
function parseStrictly(text: string, problems: string[]): MediaPlaylist {
  const saved = HLS.getOptions();
  try {
    HLS.setOptions({ strictMode: true });
    try {
      HLS.parse(withoutHintAfterCompleteSegment(text));
    } catch (err) {
      problems.push(`hls-parser: ${(err as Error).message}`);
    }
    HLS.setOptions({ strictMode: false, silent: true });
    return HLS.parse(text) as MediaPlaylist;
  } finally {
    HLS.setOptions({ strictMode: false, silent: false, ...saved });
  }
}

function withoutHintAfterCompleteSegment(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('#EXT-X-PRELOAD-HINT:'));
  if (at <= 0) return text;
  const before = lines.slice(0, at).reverse().find((l) => l.trim() !== '');
  // a URI line (not a tag) right before the hint: the last segment is complete
  return before !== undefined && !before.startsWith('#') ? [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n') : text;
}
