import type { FastifyInstance, FastifyReply } from 'fastify';
import type { VideoRepository } from '../db/video-repository.ts';
import { sendError } from '../origin/http-reply.ts';
import type { Bucket } from '../storage/bucket.ts';
import { NotVideoError, probeSource } from '../vod/probe.ts';
import type { AdminGuard } from './admin-auth.ts';
import { UploadError, type Upload, type UploadStore } from './uploads.ts';
import { checkVideoInput } from './video-routes.ts';

/** An upload as the API shows it. */
const view = (u: Upload, chunkSize: number) => ({ id: u.id, key: u.key, size: u.size, received: u.received, chunkSize });

/**
 * The console's resumable upload into the bucket: `POST /api/admin/uploads {filename,size}`, `GET …/<id>`,
 * `PUT …/<id>?offset=<n>` (raw bytes, at most one chunk), `POST …/<id>/complete {title?,priceCents?}` (probed,
 * moved into the bucket, registered and queued for packaging), `DELETE …/<id>`.
 */
export function registerUploadRoutes(app: FastifyInstance, deps: {
  uploads: UploadStore; videos: VideoRepository; bucket: Bucket; admin: AdminGuard; chunkBytes: number; ffprobePath: string; kick(): void; now: () => number;
}): void {
  const guard = { onRequest: deps.admin };
  const failed = (reply: FastifyReply, e: unknown): FastifyReply => {
    if (!(e instanceof UploadError)) throw e;
    return e.received === undefined ? sendError(reply, e.status, e.code, e.message) : reply.code(e.status).header('cache-control', 'no-store').send({ error: e.code, message: e.message, received: e.received });
  };
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: deps.chunkBytes }, (_req, body, done) => done(null, body));
    scope.post('/api/admin/uploads', guard, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      return deps.uploads.create(body.filename, body.size).then((u) => reply.code(201).header('cache-control', 'no-store').send(view(u, deps.chunkBytes)), (e: unknown) => failed(reply, e));
    });
    scope.get<{ Params: { id: string } }>('/api/admin/uploads/:id', guard, async (req, reply) =>
      deps.uploads.get(req.params.id).then((u) => reply.header('cache-control', 'no-store').send(view(u, deps.chunkBytes)), (e: unknown) => failed(reply, e)),
    );
    scope.put<{ Params: { id: string }; Querystring: { offset?: string } }>('/api/admin/uploads/:id', guard, async (req, reply) => {
      const offset = Number(req.query.offset);
      if (!Buffer.isBuffer(req.body)) return sendError(reply, 415, 'unsupported_media_type', 'send the chunk as application/octet-stream');
      if (!Number.isSafeInteger(offset) || offset < 0) return sendError(reply, 400, 'invalid_upload', 'offset: where this chunk starts in the file, in bytes');
      return deps.uploads.append(req.params.id, offset, req.body).then((u) => reply.header('cache-control', 'no-store').send({ received: u.received }), (e: unknown) => failed(reply, e));
    });
    scope.post<{ Params: { id: string } }>('/api/admin/uploads/:id/complete', guard, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      let done: Awaited<ReturnType<UploadStore['finished']>>;
      try {
        done = await deps.uploads.finished(req.params.id);
      } catch (e) {
        return failed(reply, e);
      }
      const input = checkVideoInput(done.upload.key, body.title ?? done.upload.filename.replace(/\.[^.]+$/, ''), body.priceCents);
      if (!input.ok) return sendError(reply, 400, input.code, input.message);
      try {
        await probeSource(deps.ffprobePath, done.file);
      } catch (e) {
        if (!(e instanceof NotVideoError)) throw e;
        await deps.uploads.remove(done.upload.id);
        return sendError(reply, 400, 'not_a_video', `the uploaded file is not a video we can package: ${e.message}`);
      }
      await deps.bucket.moveIn(done.upload.key, done.file);
      await deps.uploads.remove(done.upload.id);
      const { video, job } = deps.videos.register(input, deps.now());
      deps.kick();
      return reply.code(202).header('cache-control', 'no-store').send({ id: video.id, jobId: job.id, key: done.upload.key });
    });
    scope.delete<{ Params: { id: string } }>('/api/admin/uploads/:id', guard, async (req, reply) => {
      await deps.uploads.remove(req.params.id);
      return reply.code(204).send();
    });
  });
}
