import { ApiError, retryable, type Api } from './api.ts';
import type { Upload } from './types.ts';

/** What an upload needs: the API, where unfinished uploads are remembered, a progress callback, a pause, and whether to carry on. */
export interface UploadDeps {
  readonly api: Api;
  readonly storage: Storage;
  progress(received: number, size: number): void;
  sleep(ms: number): Promise<void>;
  active(): boolean;
}

/** A file of this name, size and modification time picked again (after a reload) resumes the same upload. */
export const resumeKey = (file: File): string => `boxoffice.upload:${file.name}:${file.size}:${file.lastModified}`;

/** Failed requests in a row before an upload gives up. */
const MAX_RETRIES = 5;

/** Bytes per PUT when the server does not say (its default). */
const DEFAULT_CHUNK = 8 * 1024 * 1024;

/** The pause before retry `n` (1-based): 0.5 s, 1 s, 2 s, 4 s, 8 s. */
const backoff = (n: number): number => 500 * 2 ** (n - 1);

/** The operator left the page mid-upload: it stops after the chunk in flight (picking the file again resumes). */
export class UploadStopped extends Error {
  override name = 'UploadStopped';
}

/** Whether this file has an unfinished upload to resume. */
export const hasUnfinished = (file: File, storage: Storage): boolean => storage.getItem(resumeKey(file)) !== null;

/** The unfinished upload of this file the server still has, or a new one. */
async function resumeOrCreate(file: File, deps: UploadDeps): Promise<Upload & { chunkSize: number }> {
  const key = resumeKey(file);
  const saved = JSON.parse(deps.storage.getItem(key) ?? 'null') as { uploadId?: string; chunkSize?: number } | null;
  if (saved?.uploadId) {
    try {
      const u = await deps.api.get<Upload>(`/api/admin/uploads/${encodeURIComponent(saved.uploadId)}`);
      if (u.size === file.size) return { ...u, chunkSize: u.chunkSize ?? saved.chunkSize ?? DEFAULT_CHUNK };
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    deps.storage.removeItem(key); // gone from the server (expired or finished): start again
  }
  const u = await deps.api.send<Upload>('POST', '/api/admin/uploads', { filename: file.name, size: file.size });
  const chunkSize = u.chunkSize ?? DEFAULT_CHUNK;
  deps.storage.setItem(key, JSON.stringify({ uploadId: u.id, chunkSize }));
  return { ...u, chunkSize };
}

/** Sends `file` into the bucket chunk by chunk, retrying failed chunks from what the server says it has; resolves when all bytes arrived. */
export async function sendFile(file: File, deps: UploadDeps): Promise<Upload> {
  const upload = await resumeOrCreate(file, deps);
  const path = `/api/admin/uploads/${encodeURIComponent(upload.id)}`;
  let received = upload.received;
  let failures = 0;
  let lost = false; // a chunk failed: ask the server what it has before sending more
  deps.progress(received, file.size);
  while (received < file.size) {
    if (!deps.active()) throw new UploadStopped('The upload stopped when you left the page; pick the file again to resume it.');
    try {
      if (lost) {
        received = (await deps.api.get<Upload>(path)).received;
        lost = false;
        continue;
      }
      const chunk = file.slice(received, Math.min(received + upload.chunkSize, file.size));
      received = (await deps.api.send<{ received: number }>('PUT', `${path}?offset=${received}`, chunk)).received;
      failures = 0;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'offset_mismatch' && typeof e.body.received === 'number') received = e.body.received;
      else if (retryable(e) && ++failures <= MAX_RETRIES) {
        lost = true;
        await deps.sleep(backoff(failures));
      } else {
        if (e instanceof ApiError && e.status === 404) deps.storage.removeItem(resumeKey(file));
        throw e;
      }
    }
    deps.progress(received, file.size);
  }
  return { ...upload, received };
}

/** Registers the uploaded file as a video and queues its packaging; forgets the upload once the server has taken it. */
export async function finishUpload(file: File, upload: Upload, details: { title: string; priceCents: number }, deps: Pick<UploadDeps, 'api' | 'storage'>): Promise<{ id: string; jobId: string; key: string }> {
  try {
    const answer = await deps.api.send<{ id: string; jobId: string; key?: string }>('POST', `/api/admin/uploads/${encodeURIComponent(upload.id)}/complete`, details);
    deps.storage.removeItem(resumeKey(file));
    return { id: answer.id, jobId: answer.jobId, key: answer.key ?? upload.key };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 400 || e.status === 404)) deps.storage.removeItem(resumeKey(file)); // refused (not a video) or gone: nothing to resume
    throw e;
  }
}
