// A publisher whose every frame carries its capture time: a Node loop generates raw yuv420p frames in real
// time (frame k at t0 + k/fps, drift-free, never a burst), stamps each with Date.now() as it is generated
// (clock-pattern.ts burns it into the picture) and pipes them to ffmpeg, which encodes like OBS's low-latency
// settings and publishes FLV over RTMP.
import { clockPattern } from '../bench/clock-pattern.ts';
import { spawnChild, type Child } from './processes.ts';

/** What the frame loop did: frames written to ffmpeg and frames skipped (ffmpeg not keeping up, or the loop late). */
export interface PublisherStats {
  readonly written: number;
  /** Frames not generated because ffmpeg had not yet taken the previous one (stdin backpressure). */
  readonly skippedBackpressure: number;
  /** Frames not generated because the timer fired more than a frame late (the loop skips, it never catches up in a burst). */
  readonly skippedLate: number;
}

/** A running clock publisher. */
export interface ClockPublisher {
  readonly child: Child;
  /** Frames written and skipped so far, or (with `from`/`to`, Date.now() times) skipped within that window. */
  stats(from?: number, to?: number): PublisherStats;
  /** The last few kB ffmpeg printed (errors only). */
  said(): string;
  /** Stops the frame loop and ffmpeg (by PID; SIGKILL after 5 s); resolves with ffmpeg's exit code. */
  stop(): Promise<number | null>;
}

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 30;

/**
 * ffmpeg reading raw frames on stdin plus a lavfi tone, encoding x264 veryfast/zerolatency 1500k, 2 s GOP, AAC.
 * Frames are timestamped by the wall clock as ffmpeg reads them (`-framerate` rather than an input `-r`,
 * which would renumber them at a constant rate): a skipped frame leaves a gap, as a frame OBS skips does,
 * instead of pulling every later frame a frame period earlier than it was captured (which would drain the
 * player's buffer and make the measured latency look smaller than it is).
 */
export function clockFfmpegArgs(url: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${WIDTH}x${HEIGHT}`, '-framerate', String(FPS), '-use_wallclock_as_timestamps', '1', '-i', 'pipe:0',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '60', '-keyint_min', '60', '-b:v', '1500k', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k',
    '-f', 'flv', url,
  ];
}

/** One 640×360 yuv420p frame: mid grey, a bright bar moving with the frame number, the stamp across the top. */
export function clockFrame(k: number, stamp: number, codec = clockPattern()): Buffer {
  const frame = Buffer.alloc((WIDTH * HEIGHT * 3) / 2, 128); // Y=128 grey, U=V=128 no colour
  const y = frame.subarray(0, WIDTH * HEIGHT);
  const barX = (k * 8) % (WIDTH - 48);
  for (let row = (HEIGHT * codec.refHeight) / 360 + 20; row < HEIGHT; row++) y.fill(200, row * WIDTH + barX, row * WIDTH + barX + 48);
  codec.paint(y, WIDTH, HEIGHT, stamp);
  return frame;
}

/**
 * Starts publishing to `url`. The clock (t0) starts once ffmpeg has taken the first frame, so its start-up
 * is not counted as skipped frames; a frame whose time comes while ffmpeg still holds the previous one is
 * skipped (never queued), as is every frame the timer missed.
 */
export function startClockPublisher(url: string): ClockPublisher {
  const codec = clockPattern();
  const child = spawnChild('ffmpeg', clockFfmpegArgs(url), { stdin: 'pipe' });
  const stdin = child.proc.stdin!;
  let said = '';
  child.proc.stderr!.on('data', (d: Buffer) => (said = (said + d.toString()).slice(-4000)));
  stdin.on('error', () => undefined); // EPIPE once ffmpeg is gone: its exit code and stderr tell why
  let written = 0;
  const skips = { backpressure: [] as number[], late: [] as number[] }; // when (Date.now()) each frame was skipped
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let k = 0;
  let t0 = 0;
  const send = (): void => {
    if (stdin.writableNeedDrain) {
      skips.backpressure.push(Date.now());
      return;
    }
    stdin.write(clockFrame(k, Date.now(), codec)); // the stamp is taken as the frame is generated: its capture time
    written++;
  };
  const tick = (): void => {
    if (stopped || !stdin.writable) return;
    const due = Math.floor(((performance.now() - t0) * FPS) / 1000);
    if (due > k) {
      for (let i = k; i < due; i++) skips.late.push(Date.now()); // a late timer skips the frames it missed instead of sending them in a burst
      k = due;
    }
    send();
    k++;
    timer = setTimeout(tick, Math.max(0, t0 + (k * 1000) / FPS - performance.now()));
  };
  stdin.write(clockFrame(0, Date.now(), codec));
  written++;
  stdin.once('drain', () => {
    t0 = performance.now() - 1000 / FPS; // frame 0 was just taken: frame 1 is due one frame period from now
    k = 1;
    tick();
  });
  return {
    child,
    stats: (from = -Infinity, to = Infinity) => {
      const within = (times: number[]): number => times.filter((t) => t >= from && t < to).length;
      return { written, skippedBackpressure: within(skips.backpressure), skippedLate: within(skips.late) };
    },
    said: () => said,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      stdin.destroy();
      return child.kill('SIGKILL');
    },
  };
}
