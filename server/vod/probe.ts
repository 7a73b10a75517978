import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SourceInfo } from '../hls/ladder.ts';

const run = promisify(execFile);

/** A source that is not a playable video: the reason, in words. */
export class NotVideoError extends Error {
  override name = 'NotVideoError';
}

/** What packaging needs to know about a source file. */
export interface ProbedSource extends SourceInfo {
  readonly durationSec: number;
  /** Codec names as ffprobe gives them (`h264`, `aac`, …). */
  readonly videoCodec: string;
  readonly audioCodec: string | undefined;
}

/** ffprobe's JSON, the parts read here. */
interface ProbeJson {
  streams?: Array<{ codec_type?: string; codec_name?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; disposition?: { attached_pic?: number } }>;
  format?: { duration?: string; format_name?: string };
}

/** Reads ffprobe's answer: a video stream with a size and a duration, or NotVideoError saying what is missing. */
export function readProbe(json: ProbeJson): ProbedSource {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) throw new NotVideoError(`no video stream (found ${streams.map((s) => s.codec_type).join(', ') || 'nothing'} in ${json.format?.format_name ?? 'an unknown format'})`);
  if (!video.width || !video.height) throw new NotVideoError('the video stream has no picture size');
  const duration = Number(json.format?.duration);
  if (!Number.isFinite(duration) || duration <= 0) throw new NotVideoError('the file has no duration (a still image or a truncated file?)');
  const audio = streams.find((s) => s.codec_type === 'audio');
  return {
    width: video.width,
    height: video.height,
    fps: frameRate(video.avg_frame_rate) ?? frameRate(video.r_frame_rate) ?? 30,
    hasAudio: audio !== undefined,
    durationSec: duration,
    videoCodec: video.codec_name ?? 'unknown',
    audioCodec: audio?.codec_name,
  };
}

function frameRate(text: string | undefined): number | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text ?? '');
  const fps = m && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : undefined;
  return fps && fps > 0 && fps <= 240 ? Math.round(fps * 1000) / 1000 : undefined;
}

/** The ffprobe that sits beside the configured ffmpeg (`/usr/bin/ffmpeg` → `/usr/bin/ffprobe`). */
export function ffprobeFor(ffmpegPath: string): string {
  return ffmpegPath.replace(/ffmpeg$/, 'ffprobe');
}

/** Probes a local file with ffprobe; anything ffprobe cannot read is NotVideoError. */
export async function probeSource(ffprobePath: string, file: string): Promise<ProbedSource> {
  let stdout: string;
  try {
    ({ stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate:stream_disposition=attached_pic:format=duration,format_name', '-of', 'json', file], { timeout: 60_000 }));
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '').trim().split('\n').at(-1) ?? '';
    throw new NotVideoError(`ffprobe cannot read it: ${stderr.replace(file, 'the file').slice(0, 200) || 'unknown format'}`);
  }
  return readProbe(JSON.parse(stdout) as ProbeJson);
}
