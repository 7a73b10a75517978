import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The first video stream's size and first packet time of a media URL or file, read with ffprobe. */
export async function probeVideo(input: string): Promise<{ width: number; height: number; firstPts: number }> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height:packet=pts_time',
    '-read_intervals', '%+#1', '-of', 'json', input,
  ]);
  const json = JSON.parse(stdout) as { streams: Array<{ width: number; height: number }>; packets: Array<{ pts_time: string }> };
  const stream = json.streams[0]!;
  return { width: stream.width, height: stream.height, firstPts: Number(json.packets[0]!.pts_time) };
}

/** One stream of a media URL or file as ffprobe decodes it: codec, frames actually decoded, picture size. */
export interface ProbedStream {
  type: string;
  codec: string;
  frames: number;
  width?: number;
  height?: number;
}

/** Every stream of a media URL or file, decoded whole by ffprobe (`-count_frames`) so a broken one shows as 0 frames or an error. */
export async function probeStreams(input: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-count_frames', '-rw_timeout', '8000000',
    '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'json', input,
  ], { timeout: 20_000 });
  const json = JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; nb_read_frames?: string; width?: number; height?: number }> };
  return json.streams.map((s) => ({
    type: s.codec_type,
    codec: s.codec_name,
    frames: Number(s.nb_read_frames ?? 0),
    ...(s.width !== undefined && s.height !== undefined ? { width: s.width, height: s.height } : {}),
  }));
}
