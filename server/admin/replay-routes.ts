import type { FastifyInstance } from 'fastify';
import { VIDEO_ID, type Video, type VideoRepository } from '../db/video-repository.ts';
import { sendError } from '../origin/http-reply.ts';
import type { Bucket } from '../storage/bucket.ts';
import { videoPrefix } from '../storage/vod-keys.ts';
import type { AdminGuard } from './admin-auth.ts';
import { MAX_PRICE_CENTS } from './channel-routes.ts';

/** A replay change, checked; or what is wrong with it. */
export type ReplayChange = { ok: true; title?: string; priceCents?: number } | { ok: false; message: string };

/** Checks a retitle or price change (shared by the admin API and the CLI). */
export function checkReplayChange(title: unknown, priceCents: unknown): ReplayChange {
  if (title !== undefined && (typeof title !== 'string' || title.trim() === '' || title.length > 200)) return { ok: false, message: 'title: 1-200 characters' };
  if (priceCents !== undefined && (typeof priceCents !== 'number' || !Number.isInteger(priceCents) || priceCents < 0 || priceCents > MAX_PRICE_CENTS)) {
    return { ok: false, message: `priceCents: a whole number 0..${MAX_PRICE_CENTS}` };
  }
  if (title === undefined && priceCents === undefined) return { ok: false, message: 'send a title, a priceCents or both' };
  return { ok: true, ...(typeof title === 'string' ? { title: title.trim() } : {}), ...(priceCents !== undefined ? { priceCents: priceCents as number } : {}) };
}

/** The replay with this id, or undefined (an unknown id and a video that is not a replay alike). */
export function findReplay(videos: Pick<VideoRepository, 'get'>, id: string): Video | undefined {
  const v = VIDEO_ID.test(id) ? videos.get(id) : undefined;
  return v?.channelId !== undefined ? v : undefined;
}

/**
 * Deletes a video or replay: its packaging first (`cancelJobs`: queued jobs dropped, a running one stopped and
 * waited for, so nothing is uploaded after), then its own folder in the bucket (every version, published or
 * part-uploaded) and a source the console uploaded (`uploads/…`; an operator's own source key is left alone),
 * then its catalog entry (the files first, so nothing is left orphaned and listed). Returns how many files were deleted.
 */
export async function deleteVideo(deps: { videos: VideoRepository; bucket: Pick<Bucket, 'list' | 'delete'>; cancelJobs?: (videoId: string) => Promise<void> }, video: Video): Promise<number> {
  await deps.cancelJobs?.(video.id);
  const keys = video.sourceKey.startsWith('uploads/') ? [video.sourceKey] : [];
  keys.push(...(await deps.bucket.list(videoPrefix(video.id))));
  for (const key of keys) await deps.bucket.delete(key);
  deps.videos.remove(video.id);
  return keys.length;
}

/** The replay as the admin API shows it. */
const view = (v: Video) => ({
  id: v.id, channelId: v.channelId, title: v.title, priceCents: v.priceCents, currency: v.currency, version: v.version, durationSec: v.durationSec,
  recordedFrom: new Date(v.recordedFrom!).toISOString(), recordedUntil: new Date(v.recordedUntil!).toISOString(),
});

/** `GET /api/admin/replays[?channel=]`, `PATCH /api/admin/replays/<id>` (title, price), `DELETE /api/admin/replays/<id>`, behind the admin token. */
export function registerReplayRoutes(app: FastifyInstance, deps: { videos: VideoRepository; bucket: Bucket; admin: AdminGuard }): void {
  const guard = { onRequest: deps.admin };
  app.get<{ Querystring: { channel?: string } }>('/api/admin/replays', guard, async (req, reply) =>
    reply.header('cache-control', 'no-store').send({ replays: deps.videos.replays(req.query.channel).map(view) }),
  );
  app.patch<{ Params: { id: string } }>('/api/admin/replays/:id', guard, async (req, reply) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return sendError(reply, 400, 'invalid_replay', 'send a JSON object such as {"title": "…", "priceCents": 299}');
    const replay = findReplay(deps.videos, req.params.id);
    if (!replay) return sendError(reply, 404, 'unknown_replay', 'no such replay');
    const body = req.body as Record<string, unknown>;
    const change = checkReplayChange(body.title, body.priceCents);
    if (!change.ok) return sendError(reply, 400, 'invalid_replay', change.message);
    const { ok: _ok, ...fields } = change;
    return reply.header('cache-control', 'no-store').send(view(deps.videos.update(replay.id, fields)!));
  });
  app.delete<{ Params: { id: string } }>('/api/admin/replays/:id', guard, async (req, reply) => {
    const replay = findReplay(deps.videos, req.params.id);
    if (!replay) return sendError(reply, 404, 'unknown_replay', 'no such replay');
    const files = await deleteVideo(deps, replay);
    return reply.header('cache-control', 'no-store').send({ id: replay.id, deleted: true, files });
  });
}
