/** One rung of the ABR ladder as configured: a height and a video bitrate. */
export interface RungSpec {
  readonly height: number;
  readonly videoKbps: number;
}

/** A rung fitted to a source: exact output size, bitrates, H.264 profile and the CODECS string. */
export interface Rung extends RungSpec {
  readonly name: string;
  readonly width: number;
  readonly maxrateKbps: number;
  readonly bufsizeKbps: number;
  readonly profile: 'high' | 'main';
  readonly level: string;
  readonly codecs: string;
}

/** What the ladder needs to know about a live or VOD source. */
export interface SourceInfo {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly hasAudio: boolean;
}

/** The default ladder; 1080p is used only for sources at least 1080 lines tall. */
export const DEFAULT_LADDER: readonly RungSpec[] = Object.freeze([
  { height: 1080, videoKbps: 5000 },
  { height: 720, videoKbps: 3000 },
  { height: 480, videoKbps: 1400 },
  { height: 360, videoKbps: 800 },
]);

/** AAC bitrate muxed into every rung. */
export const AUDIO_KBPS = 128;

/** Parses `1080p:5000k,720p:3000k`; returns an error string naming what is wrong. */
export function parseLadder(text: string): RungSpec[] | string {
  const rungs: RungSpec[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{2,4})p:(\d{2,6})k$/.exec(part);
    if (!m) return `"${part}" is not <height>p:<kbps>k, e.g. 720p:3000k`;
    const height = Number(m[1]);
    const videoKbps = Number(m[2]);
    if (height % 2 !== 0 || height < 64 || height > 2160) return `"${part}": height must be even, 64..2160`;
    if (videoKbps < 50) return `"${part}": bitrate must be at least 50k`;
    if (rungs.some((r) => r.height === height)) return `"${part}": height ${height} is listed twice`;
    rungs.push({ height, videoKbps });
  }
  if (rungs.length === 0) return 'the ladder is empty';
  return rungs.sort((a, b) => b.height - a.height);
}

/**
 * The rungs to encode for a source: every rung not taller than the source, tallest first. A source
 * shorter than every rung gets one rung at its own height with the lowest configured bitrate.
 */
export function fitLadder(ladder: readonly RungSpec[], source: SourceInfo): Rung[] {
  const fitting = ladder.filter((r) => r.height <= source.height);
  const lowest = ladder[ladder.length - 1];
  const chosen = fitting.length > 0 || !lowest ? fitting : [{ height: evenFloor(source.height), videoKbps: lowest.videoKbps }];
  return chosen.map((spec) => describeRung(spec, source));
}

function describeRung(spec: RungSpec, source: SourceInfo): Rung {
  const width = Math.max(2, evenRound((spec.height * source.width) / source.height));
  const { profile, level, codecs } = h264Profile(width, spec.height, source.fps);
  return {
    ...spec,
    name: `${spec.height}p`,
    width,
    maxrateKbps: Math.round(spec.videoKbps * 1.1),
    bufsizeKbps: Math.round(spec.videoKbps * 1.5),
    profile,
    level,
    codecs,
  };
}

/** Main profile for small rungs (older devices), High above; the lowest level whose frame-size and rate limits fit. */
function h264Profile(width: number, height: number, fps: number): { profile: 'high' | 'main'; level: string; codecs: string } {
  const frameMacroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  const perSecond = frameMacroblocks * Math.max(fps, 1);
  // H.264 Table A-1: [level, MaxMBPS, MaxFS, level_idc]
  const levels: Array<[string, number, number, number]> = [
    ['3.0', 40500, 1620, 0x1e], ['3.1', 108000, 3600, 0x1f], ['3.2', 216000, 5120, 0x20], ['4.0', 245760, 8192, 0x28],
    ['4.2', 522240, 8704, 0x2a], ['5.1', 983040, 36864, 0x33], ['5.2', 2073600, 36864, 0x34],
  ];
  const [level, , , idc] = levels.find(([, mbps, fs]) => perSecond <= mbps && frameMacroblocks <= fs) ?? levels[levels.length - 1]!;
  const profile = height <= 480 ? 'main' : 'high';
  const profileHex = profile === 'high' ? '6400' : '4d40';
  return { profile, level, codecs: `avc1.${profileHex}${idc.toString(16).padStart(2, '0')}` };
}

function evenRound(n: number): number {
  return Math.round(n / 2) * 2;
}

function evenFloor(n: number): number {
  return Math.floor(n / 2) * 2;
}
