import type { Readable } from 'node:stream';

/** An object's size and validator. */
export interface ObjectInfo {
  readonly size: number;
  readonly etag: string;
}

/** The bucket: VOD sources and packaged renditions, in a local folder (MEDIA_DIR) or in S3. */
export interface Bucket {
  /** Where objects live, for logs and the README: `folder /path` or `s3://bucket`. */
  readonly description: string;
  /** The whole object, or undefined when absent. */
  get(key: string): Promise<Buffer | undefined>;
  /** Size and ETag, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Writes an object; readers never see a partial one. */
  put(key: string, body: Buffer | Readable, contentType?: string): Promise<void>;
  /** Stores a scratch file as an object, taking the file over (a local folder renames it in when it can). */
  moveIn(key: string, file: string, contentType?: string): Promise<void>;
  /** Copies an object to a local file (ffmpeg reads sources from disk). */
  download(key: string, file: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes an object (absent is fine). */
  delete(key: string): Promise<void>;
  /** The object's own file when the bucket is a local folder (no copy needed), else undefined or absent. */
  localPath?(key: string): Promise<string | undefined>;
}

/** A key refused: what is wrong with it. */
export class BadKeyError extends Error {
  override name = 'BadKeyError';
}

/**
 * Checks a bucket key: relative, `/`-separated, no empty, `.` or `..` segments, no backslashes or control
 * characters, at most 1024 bytes. Returns the key or throws BadKeyError.
 */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new BadKeyError('empty key');
  if (Buffer.byteLength(key) > 1024) throw new BadKeyError('key longer than 1024 bytes');
  if (key.startsWith('/')) throw new BadKeyError('absolute keys are not allowed');
  if (/[\\\0-\x1f\x7f]/.test(key)) throw new BadKeyError('backslashes and control characters are not allowed');
  if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) throw new BadKeyError('empty, "." and ".." segments are not allowed');
  return key;
}
