import path from 'node:path';
import { ladderFilterGraph, rungOutputArgs } from '../hls/ladder-args.ts';
import type { Rung, SourceInfo } from '../hls/ladder.ts';

/** The ffmpeg arguments that package one source file: one decode, split into the ladder, VOD HLS per rung. */
export function buildPackageArgs(input: { file: string; rungs: readonly Rung[]; source: SourceInfo; segmentSeconds: number; preset: string; outDir: string }): string[] {
  const { rungs, source, segmentSeconds, preset, outDir } = input;
  return [
    '-hide_banner',
    '-nostdin', // never wait for a keypress
    '-nostats', // progress comes from -progress; stderr keeps only warnings and errors
    '-loglevel', 'error',
    '-progress', 'pipe:1', // key=value blocks on stdout: the media position gives the job's progress
    '-i', input.file,
    '-filter_complex', ladderFilterGraph(rungs), // decode once, split, scale per rung
    ...rungs.flatMap((rung, index) =>
      rungOutputArgs({ rung, index, hasAudio: source.hasAudio, segmentSeconds, preset, dir: path.join(outDir, rung.name), kind: 'vod' }),
    ),
  ];
}
