import type { FastifyInstance } from 'fastify';
import { VIDEO_ID, type Job, type Video, type VideoRepository } from '../db/video-repository.ts';
import { sendError } from '../origin/http-reply.ts';
import { BadKeyError, checkKey, type Bucket } from '../storage/bucket.ts';
import { MAX_PRICE_CENTS } from './channel-routes.ts';
import { checkReplayChange, deleteVideo } from './replay-routes.ts';
import type { AdminGuard } from './admin-auth.ts';

/** A video registration, checked; or what is wrong with it. */
export type VideoInput = { ok: true; sourceKey: string; title: string; priceCents: number | undefined } | { ok: false; code: string; message: string };

/** Checks the fields of a video registration (shared by the admin API and the CLI). */
export function checkVideoInput(source: unknown, title: unknown, priceCents: unknown): VideoInput {
  if (typeof source !== 'string') return { ok: false, code: 'invalid_video', message: 'source: the key of the video in the bucket' };
  try {
    checkKey(source);
  } catch (e) {
    if (e instanceof BadKeyError) return { ok: false, code: 'bad_key', message: `source: ${e.message}` };
    throw e;
  }
  const t = title === undefined ? source.split('/').at(-1)!.replace(/\.[^.]+$/, '') : title;
  if (typeof t !== 'string' || t.trim() === '' || t.length > 200) return { ok: false, code: 'invalid_video', message: 'title: 1-200 characters' };
  if (priceCents !== undefined && (typeof priceCents !== 'number' || !Number.isInteger(priceCents) || priceCents < 0 || priceCents > MAX_PRICE_CENTS)) {
    return { ok: false, code: 'invalid_video', message: `priceCents: a whole number 0..${MAX_PRICE_CENTS}` };
  }
  return { ok: true, sourceKey: source, title: t.trim(), priceCents: priceCents as number | undefined };
}

/** A packaging job as the admin API shows it. */
const jobView = (job: Job) => ({ id: job.id, videoId: job.videoId, state: job.state, progress: job.progress, ...(job.error ? { error: job.error } : {}) });

/** A video as the admin API lists it: its fields, poster, newest job and viewers now. */
const videoView = (v: Video, job: Job | undefined, viewers: number) => ({
  ...v, version: v.version ?? null, durationSec: v.durationSec ?? null, posterUrl: v.version ? `/vod/${v.id}/poster.jpg` : null, viewers, job: job ? jobView(job) : null,
});

/** `POST /api/admin/videos`, `GET /api/admin/videos`, `PATCH`/`DELETE /api/admin/videos/<id>`, `GET /api/admin/jobs/<id>`, behind the admin guard. */
export function registerVideoRoutes(app: FastifyInstance, deps: { videos: VideoRepository; bucket: Bucket; admin: AdminGuard; kick(): void; cancelJobs(videoId: string): Promise<void>; now: () => number; viewersNow(itemId: string): number }): void {
  const guard = { onRequest: deps.admin };
  app.post('/api/admin/videos', guard, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = checkVideoInput(body.source, body.title, body.priceCents);
    if (!input.ok) return sendError(reply, 400, input.code, input.message);
    if (!(await deps.bucket.head(input.sourceKey))) return sendError(reply, 400, 'source_not_found', 'source: no such object in the bucket');
    const { video, job } = deps.videos.register(input, deps.now());
    deps.kick();
    return reply.code(202).header('cache-control', 'no-store').send({ id: video.id, jobId: job.id });
  });
  app.get('/api/admin/videos', guard, async (_req, reply) => {
    const jobs = deps.videos.latestJobs();
    return reply.header('cache-control', 'no-store').send({ videos: deps.videos.list().map((v) => videoView(v, jobs.get(v.id), deps.viewersNow(v.id))) });
  });
  app.patch<{ Params: { id: string } }>('/api/admin/videos/:id', guard, async (req, reply) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return sendError(reply, 400, 'invalid_video', 'send a JSON object such as {"title": "…", "priceCents": 299}');
    const video = VIDEO_ID.test(req.params.id) ? deps.videos.get(req.params.id) : undefined;
    if (!video) return sendError(reply, 404, 'unknown_video', 'no such video');
    const body = req.body as Record<string, unknown>;
    const change = checkReplayChange(body.title, body.priceCents);
    if (!change.ok) return sendError(reply, 400, 'invalid_video', change.message);
    const { ok: _ok, ...fields } = change;
    const updated = deps.videos.update(video.id, fields)!;
    return reply.header('cache-control', 'no-store').send(videoView(updated, deps.videos.latestJobs().get(video.id), deps.viewersNow(video.id)));
  });
  app.delete<{ Params: { id: string } }>('/api/admin/videos/:id', guard, async (req, reply) => {
    const video = VIDEO_ID.test(req.params.id) ? deps.videos.get(req.params.id) : undefined;
    if (!video) return sendError(reply, 404, 'unknown_video', 'no such video');
    await deleteVideo(deps, video);
    return reply.code(204).send();
  });
  app.get<{ Params: { id: string } }>('/api/admin/jobs/:id', guard, async (req, reply) => {
    const job = deps.videos.job(req.params.id);
    if (!job) return sendError(reply, 404, 'unknown_job', 'no such job');
    return reply.header('cache-control', 'no-store').send(jobView(job));
  });
}
