/** The ffmpeg arguments of the poster: one frame, a second in (or mid-way through a shorter clip), 360 lines at most. */
export function buildPosterArgs(file: string, durationSec: number, out: string): string[] {
  const at = Math.min(1, durationSec / 2).toFixed(3);
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-ss', at, '-i', file, '-frames:v', '1', '-vf', "scale=-2:'min(360,ih)'", '-q:v', '4', '-y', out];
}
