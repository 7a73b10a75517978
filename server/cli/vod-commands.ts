import fs from 'node:fs';
import path from 'node:path';
import { checkVideoInput } from '../admin/video-routes.ts';
import type { VideoRepository } from '../db/video-repository.ts';
import type { Bucket } from '../storage/bucket.ts';
import { parsePrice } from './channel-commands.ts';
import { renderProgress } from './progress-bar.ts';

/** What the vod commands need. */
export interface VodCommandDeps {
  readonly videos: VideoRepository;
  readonly bucket: Bucket;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Rewrites the current terminal line (progress); prints a line when not a terminal. */
  readonly status: (line: string, final?: boolean) => void;
  readonly publicUrl: string;
  readonly pollMs?: number;
  /** How long a job may wait unclaimed before the CLI says the origin does not seem to run. */
  readonly waitHintMs?: number;
}

/** `vod add <bucket-key|local-file> [--title] [--price]` (queues packaging and shows its progress) and `vod list`. */
export async function runVodCommand(args: { positional: string[]; flags: Map<string, string> }, deps: VodCommandDeps): Promise<number> {
  const [sub, target] = args.positional;
  if (sub === 'list') {
    const videos = deps.videos.list();
    if (videos.length === 0) deps.out('No videos yet: npm run cli -- vod add <bucket-key|file>');
    for (const v of videos) {
      const state = v.version ? `${v.version}  ${Math.round(v.durationSec ?? 0)}s` : 'not packaged yet';
      deps.out(`${v.id}  ${(v.priceCents === 0 ? 'free' : `${(v.priceCents / 100).toFixed(2)} ${v.currency.toUpperCase()}`).padEnd(10)} ${state.padEnd(24)} ${v.sourceKey}  ${v.title}`);
    }
    return 0;
  }
  if (sub !== 'add' || !target) return fail(deps.err, 'usage: vod add <bucket-key|local-file> [--title T] [--price 4.99] | vod list');
  const price = args.flags.has('price') ? parsePrice(args.flags.get('price')) : undefined;
  if (typeof price === 'string') return fail(deps.err, price);
  let key = target;
  const local = path.resolve(target);
  if (fs.existsSync(local) && fs.statSync(local).isFile() && !(await deps.bucket.head(target).catch(() => undefined))) {
    key = `sources/${path.basename(local).replace(/[^\w.-]+/g, '_')}`;
    deps.out(`Uploading ${local} to the bucket as ${key}…`);
    await deps.bucket.put(key, fs.createReadStream(local));
  }
  const input = checkVideoInput(key, args.flags.get('title'), price);
  if (!input.ok) return fail(deps.err, input.message);
  if (!(await deps.bucket.head(input.sourceKey))) return fail(deps.err, `no object "${input.sourceKey}" in the bucket and no such local file`);
  const { video, job } = deps.videos.register(input, Date.now());
  deps.out(`Video ${video.id} ("${video.title}"), packaging job ${job.id}`);
  return watchJob(job.id, deps, video.id);
}

async function watchJob(jobId: string, deps: VodCommandDeps, videoId: string): Promise<number> {
  const started = Date.now();
  let hinted = false;
  let runningSince: number | undefined;
  for (;;) {
    const job = deps.videos.job(jobId)!;
    if (job.state === 'done') {
      deps.status(renderProgress(1, Date.now() - started), true);
      deps.out(`Packaged: ${deps.publicUrl}/vod/${videoId}/master.m3u8`);
      return 0;
    }
    if (job.state === 'failed') {
      deps.status(renderProgress(job.progress, Date.now() - started), true);
      return fail(deps.err, `packaging failed: ${job.error}`);
    }
    if (job.state === 'running') {
      runningSince ??= Date.now();
      deps.status(renderProgress(job.progress, Date.now() - runningSince));
    } else if (!hinted && Date.now() - started > (deps.waitHintMs ?? 10_000)) {
      hinted = true;
      deps.err('The job is queued; the origin packages it when it runs (npm start). Waiting… (Ctrl-C leaves it queued)');
    }
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
  }
}

function fail(err: (line: string) => void, message: string): number {
  err(`boxoffice: ${message}`);
  return 1;
}
