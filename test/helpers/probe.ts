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
