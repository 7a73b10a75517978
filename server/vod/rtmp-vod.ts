import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { VIDEO_ID, type Video, type VideoRepository } from '../db/video-repository.ts';
import { createFlvReader, type FlvTag } from '../ingest/flv-reader.ts';
import { diesWithParent } from '../hls/transcode-job.ts';
import type { Logger } from '../log.ts';
import type { Verifier } from '../signing/verifier.ts';
import type { Bucket } from '../storage/bucket.ts';
import { ffprobeFor, probeSource } from './probe.ts';

/** A running on-demand stream for one RTMP player. */
export interface OnDemandStream {
  stop(): void;
}

/** An RTMP play of a bucket video, admitted: what it plays and how to start it. */
export interface OnDemandAdmission {
  readonly ok: true;
  /** For logs: the video id. */
  readonly label: string;
  readonly video: Video;
  start(onTag: (tag: FlvTag) => void, onEnd: (error?: string) => void): Promise<OnDemandStream>;
}

/** The RTMP name of a video: its id, or its source key (`mp4:` and `flv:` prefixes, as RTMP players send them, removed). */
export function normaliseVodName(name: string): string {
  return name.replace(/^(mp4|flv):/, '');
}

/**
 * RTMP on-demand play, as a CloudFront streaming distribution did: `rtmp://HOST/cfx/st/<video id or source
 * key>` plays a registered video from the bucket to one player, from the start, in real time (`-re`).
 * H.264/AAC sources are copied; anything else is encoded. Paid videos need a signed stream name whose
 * Resource is the name (after the `mp4:` prefix).
 */
export function createOnDemandPlayback(deps: {
  videos: VideoRepository;
  bucket: Bucket;
  verifier: Verifier;
  ffmpegPath: string;
  cacheDir: string;
  log: Logger;
}): { resolve(name: string, query: Record<string, unknown>, clientIp: string): OnDemandAdmission | { ok: false; reason: string } } {
  const findVideo = (name: string): Video | undefined => (VIDEO_ID.test(name) ? deps.videos.get(name) : deps.videos.findBySource(name));

  /** A local copy of the source: the bucket's own file when local, else one cached download per object version. */
  const localSource = async (key: string): Promise<string> => {
    const info = await deps.bucket.head(key);
    if (!info) throw new Error('the source is no longer in the bucket');
    const direct = await deps.bucket.localPath?.(key);
    if (direct) return direct;
    const file = path.join(deps.cacheDir, `${crypto.createHash('sha256').update(`${key}\n${info.etag}`).digest('hex').slice(0, 32)}.src`);
    try {
      await fs.access(file);
    } catch {
      await fs.mkdir(deps.cacheDir, { recursive: true });
      const part = `${file}.${crypto.randomBytes(4).toString('hex')}.part`;
      await deps.bucket.download(key, part);
      await fs.rename(part, file);
    }
    return file;
  };

  return {
    resolve(rawName, query, clientIp) {
      const name = normaliseVodName(rawName);
      const video = findVideo(name);
      if (!video) return { ok: false, reason: 'unknown stream' };
      // always: RTMP never passes through a CDN that could check it instead
      if (video.priceCents > 0) {
        const verdict = deps.verifier.verifyStreamName(name, query, clientIp);
        if (!verdict.ok) return { ok: false, reason: `paid video, signature refused: ${verdict.code} (${verdict.reason})` };
      }
      return {
        ok: true,
        label: video.id,
        video,
        async start(onTag, onEnd) {
          const file = await localSource(video.sourceKey);
          const probed = await probeSource(ffprobeFor(deps.ffmpegPath), file);
          const args = [
            '-hide_banner', '-nostdin', '-loglevel', 'error',
            '-re', // real time, as a streaming server plays a file
            '-i', file,
            '-map', '0:v:0', ...(probed.hasAudio ? ['-map', '0:a:0'] : []),
            ...(probed.videoCodec === 'h264' ? ['-c:v', 'copy'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency']), // FLV carries H.264
            ...(probed.audioCodec === 'aac' || !probed.hasAudio ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '128k']), // and AAC
            '-f', 'flv', 'pipe:1',
          ];
          const [command, argv] = diesWithParent(deps.ffmpegPath, args);
          const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-2000)));
          const read = createFlvReader(onTag);
          child.stdout.on('data', (chunk: Buffer) => {
            try {
              read(chunk);
            } catch (e) {
              child.kill('SIGKILL');
              onEnd((e as Error).message);
            }
          });
          child.on('close', (code, signal) => onEnd(code === 0 || signal === 'SIGTERM' ? undefined : `ffmpeg ended (${signal ?? code}): ${stderr.trim().split('\n').at(-1) ?? ''}`));
          deps.log.info('rtmp on-demand play started', { video: video.id, pid: child.pid });
          return { stop: () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM')) };
        },
      };
    },
  };
}
