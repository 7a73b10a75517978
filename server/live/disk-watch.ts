import type { Logger } from '../log.ts';
import type { WriteProbe, WriteProblem } from './write-probe.ts';

/** Smallest probe write: about one segment group of a small ladder. */
const MIN_PROBE_BYTES = 64 * 1024;

/** What a check of a running transcoder's folder found: writes fail; writes work; or writes work again but the transcoder stays silent. */
export type DiskVerdict = 'failing' | 'ok' | 'stuck';

/** One live channel's view of its disk: whether segments can be written, logged once per change. */
export interface DiskWatch {
  /** Why segments cannot be written now; undefined while they can (the channel is degraded while set). */
  readonly problem: WriteProblem | undefined;
  /** Probes the folder with a write the size of a segment group; records a problem (logged once per cause). */
  check(): Promise<WriteProblem | undefined>;
  /** Records a failure met elsewhere (creating a run's folders). */
  report(problem: WriteProblem): void;
  /** `check()` for a stalled run: `stuck` once writes have worked again for `stallMs` with no new segment. */
  checkRunning(now: number): Promise<DiskVerdict>;
  /** A segment group of `bytes` was written and listed: the disk works (ends a degraded state). */
  listed(bytes: number): void;
}

/** Builds the watch over a channel's folder. */
export function createDiskWatch(opts: { channelId: string; dir: string; log: Logger; probe: WriteProbe; stallMs: number }): DiskWatch {
  const { channelId, log } = opts;
  let problem: WriteProblem | undefined;
  let writableAgainAt: number | undefined;
  let probeBytes = MIN_PROBE_BYTES;

  const report = (found: WriteProblem): void => {
    writableAgainAt = undefined;
    if (problem?.code === found.code) return;
    problem = found;
    log.error(`live channel degraded: cannot write segments (${found.code}); retrying until the disk accepts writes`, {
      channel: channelId, code: found.code, error: found.message, dir: opts.dir,
    });
  };
  const check = async (): Promise<WriteProblem | undefined> => {
    const found = await opts.probe(opts.dir, probeBytes);
    if (found) report(found);
    return found;
  };

  return {
    get problem() {
      return problem;
    },
    check,
    report,
    async checkRunning(now) {
      if (await check()) return 'failing';
      if (!problem) return 'ok';
      if (writableAgainAt === undefined) {
        writableAgainAt = now;
        log.info('the disk accepts writes again; waiting for the transcoder to list segments', { channel: channelId });
        return 'ok';
      }
      return now - writableAgainAt >= opts.stallMs ? 'stuck' : 'ok';
    },
    listed(bytes) {
      probeBytes = Math.max(MIN_PROBE_BYTES, bytes);
      if (!problem) return;
      log.info('live channel recovered: segments are written again', { channel: channelId, after: problem.code });
      problem = undefined;
      writableAgainAt = undefined;
    },
  };
}
