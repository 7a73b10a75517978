/** FLV tag types that carry media. */
const TAG = { audio: 8, video: 9 } as const;

/** FourCC codec ids of Enhanced RTMP and the names streamers know them by. */
const FOURCC_NAMES: Record<string, string> = { hvc1: 'HEVC', av01: 'AV1', vp09: 'VP9', avc1: 'H.264', Opus: 'Opus', fLaC: 'FLAC', 'ac-3': 'AC-3', 'ec-3': 'E-AC-3', '.mp3': 'MP3', mp4a: 'AAC' };

/**
 * Names an Enhanced RTMP media tag (what OBS 30+ sends for HEVC and AV1: the ex-header bit and a FourCC
 * codec id instead of the legacy codec id), or null for a legacy tag. The transcoder's ffmpeg (Debian's
 * 5.1) cannot read Enhanced RTMP FLV, so the ingest refuses such a publish with this name in the reason.
 */
export function describeEnhancedRtmp(tagType: number, data: Buffer): string | null {
  if (data.length < 5) return null;
  const exVideo = tagType === TAG.video && (data[0]! & 0x80) !== 0;
  const exAudio = tagType === TAG.audio && data[0]! >> 4 === 9;
  if (!exVideo && !exAudio) return null;
  const fourCc = data.toString('latin1', 1, 5);
  const name = FOURCC_NAMES[fourCc] ?? `codec "${fourCc.replace(/[^\x20-\x7e]/g, '?')}"`;
  return `Enhanced RTMP ${exVideo ? 'video' : 'audio'} (${name})`;
}
