import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** An upload in progress: where its bytes go in the bucket and how many have arrived. */
export interface Upload {
  readonly id: string;
  readonly filename: string;
  /** The bucket key the finished file is stored at: `uploads/<id>/<filename>`. */
  readonly key: string;
  readonly size: number;
  readonly received: number;
}

/** An upload id: `u_` and 16 hex digits. */
export const UPLOAD_ID = /^u_[0-9a-f]{16}$/;

/** A refused upload step, with the error code and a message for a person. */
export class UploadError extends Error {
  override name = 'UploadError';
  constructor(readonly status: number, readonly code: string, message: string, readonly received?: number) {
    super(message);
  }
}

/** A browser's file name as a safe key segment: its last path part, letters, digits, `.`, `_`, `-` (others become `_`), 1-100 characters. */
export function safeFilename(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const base = name.split(/[\\/]/).at(-1)!.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(-100);
  return base === '' ? undefined : base;
}

/**
 * Resumable uploads staged under a folder (one `.part` file and its `.json` description each; both survive a
 * restart): chunks are appended at the offset the client names, which must be what has arrived so far.
 */
export function createUploadStore(opts: { dir: string; maxBytes: number }) {
  const file = (id: string, ext: string): string => path.join(opts.dir, `${id}.${ext}`);
  const queues = new Map<string, Promise<unknown>>();
  /** Runs one step of an upload at a time (two PUTs of one upload never interleave). */
  const serial = <T>(id: string, step: () => Promise<T>): Promise<T> => {
    const next = (queues.get(id) ?? Promise.resolve()).then(step, step);
    const settled = next.catch(() => undefined);
    queues.set(id, settled);
    void settled.then(() => queues.get(id) === settled && queues.delete(id));
    return next;
  };
  const get = async (id: string): Promise<Upload> => {
    if (!UPLOAD_ID.test(id)) throw new UploadError(404, 'unknown_upload', 'no such upload');
    try {
      const meta = JSON.parse(await fs.readFile(file(id, 'json'), 'utf8')) as Omit<Upload, 'received'>;
      const received = (await fs.stat(file(id, 'part'))).size;
      return { ...meta, received };
    } catch {
      throw new UploadError(404, 'unknown_upload', 'no such upload (finished, cancelled or never started)');
    }
  };
  return {
    get,
    /** Starts an upload of `size` bytes named `filename`. */
    async create(filename: unknown, size: unknown): Promise<Upload> {
      const name = safeFilename(filename);
      if (!name) throw new UploadError(400, 'invalid_upload', 'filename: the name of the file being uploaded');
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0 || size > opts.maxBytes) {
        throw new UploadError(400, 'invalid_upload', `size: 1 to ${opts.maxBytes} bytes`);
      }
      await fs.mkdir(opts.dir, { recursive: true });
      const id = `u_${crypto.randomBytes(8).toString('hex')}`;
      const upload = { id, filename: name, key: `uploads/${id}/${name}`, size };
      await fs.writeFile(file(id, 'part'), Buffer.alloc(0), { flag: 'wx' });
      await fs.writeFile(file(id, 'json'), JSON.stringify(upload));
      return { ...upload, received: 0 };
    },
    /** Appends a chunk that starts at `offset`; refused unless `offset` is what has arrived and the chunk fits the size. */
    append: (id: string, offset: number, chunk: Buffer): Promise<Upload> =>
      serial(id, async () => {
        const u = await get(id);
        if (offset !== u.received) throw new UploadError(409, 'offset_mismatch', `this upload has ${u.received} bytes: send the chunk starting there`, u.received);
        if (chunk.length === 0) throw new UploadError(400, 'invalid_upload', 'an empty chunk');
        if (u.received + chunk.length > u.size) throw new UploadError(400, 'invalid_upload', `the chunk goes past the file's announced size (${u.size} bytes)`);
        await fs.appendFile(file(id, 'part'), chunk);
        return { ...u, received: u.received + chunk.length };
      }),
    /** The complete file's path, for moving it into the bucket; refused until every byte arrived. */
    finished: (id: string): Promise<{ upload: Upload; file: string }> =>
      serial(id, async () => {
        const u = await get(id);
        if (u.received !== u.size) throw new UploadError(409, 'incomplete', `${u.received} of ${u.size} bytes have arrived: send the rest first`, u.received);
        return { upload: u, file: file(id, 'part') };
      }),
    /** Forgets an upload and its staged bytes. */
    remove: (id: string): Promise<void> =>
      serial(id, async () => {
        if (!UPLOAD_ID.test(id)) return;
        await Promise.all(['part', 'json'].map((ext) => fs.rm(file(id, ext), { force: true })));
      }),
  };
}

/** The upload store. */
export type UploadStore = ReturnType<typeof createUploadStore>;
