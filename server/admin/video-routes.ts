import type { FastifyInstance } from 'fastify';
import type { VideoRepository } from '../db/video-repository.ts';
import { sendError } from '../origin/http-reply.ts';
import { BadKeyError, checkKey, type Bucket } from '../storage/bucket.ts';
import { MAX_PRICE_CENTS } from './channel-routes.ts';
import { requireAdmin } from './admin-auth.ts';

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

/** `POST /api/admin/videos`, `GET /api/admin/videos`, `GET /api/admin/jobs/<id>`, behind the admin token. */
export function registerVideoRoutes(app: FastifyInstance, deps: { videos: VideoRepository; bucket: Bucket; adminToken: string; kick(): void; now: () => number }): void {
  const guard = { onRequest: requireAdmin(deps.adminToken) };
  app.post('/api/admin/videos', guard, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = checkVideoInput(body.source, body.title, body.priceCents);
    if (!input.ok) return sendError(reply, 400, input.code, input.message);
    if (!(await deps.bucket.head(input.sourceKey))) return sendError(reply, 400, 'source_not_found', 'source: no such object in the bucket');
    const { video, job } = deps.videos.register(input, deps.now());
    deps.kick();
    return reply.code(202).header('cache-control', 'no-store').send({ id: video.id, jobId: job.id });
  });
  app.get('/api/admin/videos', guard, async (_req, reply) => reply.header('cache-control', 'no-store').send({ videos: deps.videos.list() }));
  app.get<{ Params: { id: string } }>('/api/admin/jobs/:id', guard, async (req, reply) => {
    const job = deps.videos.job(req.params.id);
    if (!job) return sendError(reply, 404, 'unknown_job', 'no such job');
    return reply.header('cache-control', 'no-store').send({ id: job.id, videoId: job.videoId, state: job.state, progress: job.progress, ...(job.error ? { error: job.error } : {}) });
  });
}
