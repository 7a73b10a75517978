import { execFile } from 'node:child_process';

/** How long one thumbnail is served before a newer segment is cut again. */
const REFRESH_MS = 5000;

/** JPEG frames of live channels for the console, cut by ffmpeg from the newest segment at most every 5 s per channel. */
export function createLiveThumbnails(opts: { ffmpegPath: string; newestSegmentFile(channelId: string): string | undefined; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; jpeg: Promise<Buffer | undefined> }>();
  const cut = (file: string): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-frames:v', '1', '-vf', "scale=-2:'min(180,ih)'", '-q:v', '5', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'];
      execFile(opts.ffmpegPath, args, { encoding: 'buffer', timeout: 10_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => resolve(err || stdout.length === 0 ? undefined : stdout));
    });
  return {
    /** The channel's current thumbnail, or undefined when it is not on air (or the frame could not be read). */
    get(channelId: string): Promise<Buffer | undefined> {
      const file = opts.newestSegmentFile(channelId);
      if (!file) {
        cache.delete(channelId);
        return Promise.resolve(undefined);
      }
      const held = cache.get(channelId);
      if (held && now() - held.at < REFRESH_MS) return held.jpeg;
      const jpeg = cut(file);
      cache.set(channelId, { at: now(), jpeg });
      return jpeg;
    },
  };
}
