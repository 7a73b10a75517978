import path from 'node:path';
import { ladderFilterGraph, rungOutputArgs } from '../hls/ladder-args.ts';
import type { Rung, SourceInfo } from '../hls/ladder.ts';

/** Everything the live ffmpeg command line depends on. */
export interface LiveArgsInput {
  readonly rungs: readonly Rung[];
  readonly source: SourceInfo;
  readonly segmentSeconds: number;
  readonly preset: string;
  /** Extra x264 tuning, e.g. `zerolatency`; none by default. */
  readonly tune?: string;
  /** The run's folder; each rung writes `<outDir>/<rung>/index.m3u8` and `<n>.ts`. */
  readonly outDir: string;
  /** LL-HLS: rung `i` also writes fragmented MP4 to file descriptor `3 + i`; ffmpeg must run in `outDir`. */
  readonly partSeconds?: number;
}

/** The file descriptor rung `index` writes its fragmented MP4 to (after stdin, stdout and stderr). */
export const fragmentFd = (index: number): number => 3 + index;

/** The ffmpeg arguments of one live transcode: FLV on stdin, one decode, the ladder as HLS per rung. */
export function buildLiveArgs(input: LiveArgsInput): string[] {
  const { rungs, source, segmentSeconds, preset, tune, outDir } = input;
  return [
    '-hide_banner',
    '-nostats', // progress comes from -progress; stderr keeps only warnings and errors
    '-loglevel', 'warning',
    '-progress', 'pipe:1', // key=value blocks on stdout: speed and media position
    '-stats_period', '1', // one progress block a second
    '-probesize', '65536', // the feed starts with codec headers and a keyframe: little probing needed
    '-analyzeduration', '200000', // so the first segment is not held back by probing (0.2 s)
    '-f', 'flv', '-i', 'pipe:0', // the ingest writes FLV (headers, cached GOP, live tags) to stdin
    '-filter_complex', ladderFilterGraph(rungs), // decode once, split, scale per rung
    ...rungs.flatMap((rung, index) =>
      rungOutputArgs({
        rung, index, hasAudio: source.hasAudio, segmentSeconds, preset, ...(tune ? { tune } : {}), kind: 'live',
        ...(input.partSeconds === undefined
          ? { dir: path.join(outDir, rung.name) }
          : { dir: rung.name, fragments: { fd: fragmentFd(index), partSeconds: input.partSeconds } }),
      }),
    ),
  ];
}
