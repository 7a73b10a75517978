import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Job, VideoRepository } from '../db/video-repository.ts';
import { PRIVATE_PLAYLIST } from '../hls/ladder-args.ts';
import { fitLadder, type Rung } from '../hls/ladder.ts';
import { parseMediaPlaylist, renderMasterPlaylist, renderMediaPlaylist, type MediaPlaylistState, type QueryCarrier } from '../hls/playlist.ts';
import { runFfmpeg } from '../hls/transcode-job.ts';
import type { Logger } from '../log.ts';
import type { Bucket } from '../storage/bucket.ts';
import { CONTENT_TYPES, versionPrefix } from '../storage/vod-keys.ts';
import { buildPackageArgs } from './package-args.ts';
import { buildPosterArgs } from '../hls/poster-args.ts';
import { ffprobeFor, probeSource } from './probe.ts';

/** What packaging needs. */
export interface PackageDeps {
  readonly bucket: Bucket;
  readonly videos: VideoRepository;
  readonly settings: Pick<Config, 'ladder' | 'segmentSeconds' | 'x264Preset' | 'ffmpegPath'>;
  /** Scratch space; each job works in its own subfolder, removed afterwards. */
  readonly workDir: string;
  /** The parameters `q/` playlists carry to their children. */
  readonly signatureParams: readonly string[];
  readonly log: Logger;
  readonly now: () => number;
}


/**
 * Packages one video: downloads its source, hashes the bytes, and either reuses a version already made from
 * the same bytes or encodes the ladder (one ffmpeg, one decode), writes both playlist variants and a poster,
 * uploads everything under `vod/<id>/<version>/`, and only then publishes the version in the database.
 * A crash at any point before that leaves nothing visible; the job runs again from the start.
 */
export async function runPackageJob(job: Job, deps: PackageDeps, onProgress: (p: number) => void, signal: AbortSignal): Promise<void> {
  const video = deps.videos.get(job.videoId);
  if (!video) throw new Error(`video ${job.videoId} no longer exists`);
  const work = path.join(deps.workDir, job.id);
  await fs.rm(work, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  try {
    const source = path.join(work, 'source');
    await deps.bucket.download(video.sourceKey, source);
    // probed while hashing: the two read the file at the same time
    const probing = probeSource(ffprobeFor(deps.settings.ffmpegPath), source);
    probing.catch(() => undefined); // awaited below unless the bytes turn out to be packaged already
    const version = await hashFile(source);
    if (signal.aborted) throw new Error('stopped');
    if (deps.videos.hasVersion(video.id, version)) {
      const duration = video.version === version && video.durationSec !== undefined ? video.durationSec : (await probing).durationSec;
      deps.videos.publish(video.id, version, duration, deps.now());
      deps.log.info('video unchanged: reusing its packaged version', { video: video.id, version });
      return;
    }
    const probed = await probing;
    const rungs = fitLadder(deps.settings.ladder, probed);
    const out = path.join(work, 'out');
    await Promise.all(rungs.map((r) => fs.mkdir(path.join(out, r.name), { recursive: true })));
    const args = buildPackageArgs({ file: source, rungs, source: probed, segmentSeconds: deps.settings.segmentSeconds, preset: deps.settings.x264Preset, outDir: out });
    // the poster (one frame) is made alongside the ladder rather than after it
    const ffmpeg = { ffmpegPath: deps.settings.ffmpegPath, log: deps.log };
    const encodeStart = performance.now();
    await Promise.all([
      runFfmpeg({ ...ffmpeg, args, signal, onSeconds: (seconds) => onProgress(Math.min(0.95, (seconds / probed.durationSec) * 0.95)) }),
      runFfmpeg({ ...ffmpeg, args: buildPosterArgs(source, probed.durationSec, path.join(out, 'poster.jpg')), signal }),
    ]);
    const encodeSeconds = (performance.now() - encodeStart) / 1000;
    await writePlaylists(out, rungs, probed, deps.signatureParams);
    const files = await listFiles(out);
    let uploaded = 0;
    const upload = async (file: string): Promise<void> => {
      if (signal.aborted) throw new Error('stopped');
      const key = `${versionPrefix(video.id, version)}/${file}`;
      await deps.bucket.moveIn(key, path.join(out, file), CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
      onProgress(0.95 + (0.05 * ++uploaded) / files.length);
    };
    // playlists last: every segment a playlist names is in the bucket before the playlist itself
    await inBatches(files.filter((f) => !f.endsWith('.m3u8')), UPLOADS_AT_ONCE, upload);
    await inBatches(files.filter((f) => f.endsWith('.m3u8')), UPLOADS_AT_ONCE, upload);
    if (signal.aborted) throw new Error('stopped');
    deps.videos.publish(video.id, version, probed.durationSec, deps.now());
    deps.log.info('video packaged', { video: video.id, version, rungs: rungs.map((r) => r.name), files: files.length, encodeSeconds: Number(encodeSeconds.toFixed(2)) });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 16);
}

/** Writes the master and media playlists, plain and `q/` (signature-carrying), from ffmpeg's own lists. */
async function writePlaylists(out: string, rungs: readonly Rung[], source: { width: number; height: number; fps: number; hasAudio: boolean }, params: readonly string[]): Promise<void> {
  const query: QueryCarrier = { params, prefix: '../' };
  await fs.mkdir(path.join(out, 'q'), { recursive: true });
  for (const rung of rungs) {
    const privateList = path.join(out, rung.name, PRIVATE_PLAYLIST);
    const segments = parseMediaPlaylist(await fs.readFile(privateList, 'utf8'));
    if (segments.length === 0) throw new Error(`ffmpeg wrote no segments for ${rung.name}`);
    const state: MediaPlaylistState = {
      targetDuration: Math.max(1, ...segments.map((s) => Math.ceil(s.duration))),
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: segments.map((s) => ({ uri: `${rung.name}/${s.uri}`, duration: s.duration, discontinuity: false })),
      ended: true,
    };
    await fs.writeFile(path.join(out, `${rung.name}.m3u8`), renderMediaPlaylist(state));
    await fs.writeFile(path.join(out, 'q', `${rung.name}.m3u8`), renderMediaPlaylist(state, query));
    await fs.rm(privateList);
  }
  const variants = rungs.map((rung) => ({ rung, uri: `${rung.name}.m3u8` }));
  await fs.writeFile(path.join(out, 'master.m3u8'), renderMasterPlaylist(variants, source));
  await fs.writeFile(path.join(out, 'q', 'master.m3u8'), renderMasterPlaylist(variants, source, { ...query, prefix: '' }));
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** How many files go to the bucket at once (an S3 upload is a round trip each). */
const UPLOADS_AT_ONCE = 8;

/** Runs `fn` over `items`, at most `limit` at a time; after a failure starts no more, and rejects with it once the started ones settle. */
async function inBatches<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) await fn(items[next++]!).catch((e: unknown) => {
      failed = true;
      throw e;
    });
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw failure.reason;
}
