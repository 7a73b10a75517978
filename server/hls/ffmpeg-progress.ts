/** One `-progress` report: media position and ffmpeg's own speed figure. */
export interface Progress {
  readonly outTimeSeconds: number;
  readonly speed: number | undefined;
  readonly ended: boolean;
}

/** Splits ffmpeg's `-progress` key=value stream into reports; feed it chunks, it calls back per block. */
export function createProgressParser(onReport: (p: Progress) => void): (chunk: Buffer | string) => void {
  let pending = '';
  let fields = new Map<string, string>();
  return (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key !== 'progress') {
        fields.set(key, value);
        continue;
      }
      const us = Number(fields.get('out_time_us') ?? fields.get('out_time_ms'));
      const speed = Number.parseFloat(fields.get('speed') ?? '');
      onReport({ outTimeSeconds: Number.isFinite(us) && us > 0 ? us / 1e6 : 0, speed: Number.isFinite(speed) ? speed : undefined, ended: value === 'end' });
      fields = new Map();
    }
  };
}

/**
 * Realtime factor over a sliding window of reports (media seconds produced per wall second), which
 * unlike ffmpeg's cumulative `speed` shows a transcoder falling behind now.
 */
export function createSpeedWindow(windowSeconds: number): { add(wallSeconds: number, mediaSeconds: number): number | undefined } {
  const samples: Array<[number, number]> = [];
  return {
    add(wall, media) {
      samples.push([wall, media]);
      while (samples.length > 2 && wall - samples[0]![0] > windowSeconds) samples.shift();
      const [w0, m0] = samples[0]!;
      return wall - w0 >= windowSeconds * 0.8 ? (media - m0) / (wall - w0) : undefined;
    },
  };
}

/** What the speed monitor reports to its owner. */
export interface SpeedEvents {
  /** Periodic figure for the log: ffmpeg's own speed and the recent realtime factor. */
  periodic(speed: number | undefined, realtime: number | undefined): void;
  slow(realtime: number): void;
  recovered(realtime: number): void;
}

/** Below this recent realtime factor a live transcoder is falling behind; at or above `RECOVER_AT` it is back. */
export const SLOW_BELOW = 0.95;
const RECOVER_AT = 0.98;

/**
 * Watches a live transcoder's progress: a periodic speed figure, one warning when the recent realtime
 * factor stays under SLOW_BELOW (after a warm-up), and one note when it recovers. Returns the recent factor once known.
 */
export function createSpeedMonitor(events: SpeedEvents, opts: { windowSeconds?: number; warmupSeconds?: number; logEverySeconds?: number } = {}): (wallSeconds: number, p: Progress) => number | undefined {
  const window = createSpeedWindow(opts.windowSeconds ?? 10);
  const warmup = opts.warmupSeconds ?? 10;
  const logEvery = opts.logEverySeconds ?? 30;
  let slow = false;
  let lastLog = -Infinity;
  return (wall, p) => {
    const factor = window.add(wall, p.outTimeSeconds);
    if (wall - lastLog >= logEvery) {
      lastLog = wall;
      events.periodic(p.speed, factor);
    }
    if (factor === undefined || wall < warmup) return factor;
    if (!slow && factor < SLOW_BELOW) {
      slow = true;
      events.slow(factor);
    } else if (slow && factor >= RECOVER_AT) {
      slow = false;
      events.recovered(factor);
    }
    return factor;
  };
}
