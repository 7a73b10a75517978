import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Makes a small test clip with ffmpeg's lavfi sources (never committed media). */
export async function makeClip(file: string, opts: { seconds?: number; width?: number; height?: number; fps?: number; pattern?: string; preset?: string; videoBitrate?: string } = {}): Promise<void> {
  const { seconds = 4, width = 1280, height = 720, fps = 30, pattern = 'testsrc2', preset = 'ultrafast' } = opts;
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `${pattern}=size=${width}x${height}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', preset, ...(opts.videoBitrate ? ['-b:v', opts.videoBitrate] : []), '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', file,
  ]);
}
