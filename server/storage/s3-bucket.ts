import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { checkKey } from './bucket.ts';
import type { Bucket } from './bucket.ts';

/** Where the S3 bucket is; credentials come from the default AWS chain unless a ready client is injected. */
export interface S3BucketOptions {
  readonly bucket: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
  readonly client?: S3Client;
}

/** A bucket in S3 (or an S3-compatible store); `list` treats a non-empty prefix as a folder. */
export function createS3Bucket(opts: S3BucketOptions): Bucket {
  const name = opts.bucket;
  const client =
    opts.client ??
    new S3Client({
      ...(opts.endpoint !== undefined && { endpoint: opts.endpoint }),
      ...(opts.region !== undefined && { region: opts.region }),
      ...(opts.forcePathStyle !== undefined && { forcePathStyle: opts.forcePathStyle }),
    });

  const bucket: Bucket = {
    description: `s3://${name}`,

    async get(key) {
      checkKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: name, Key: key }));
        if (!out.Body) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },

    async head(key) {
      checkKey(key);
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: name, Key: key }));
        return { size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },

    async put(key, body, contentType) {
      checkKey(key);
      const bytes = Buffer.isBuffer(body) ? body : await readAll(body);
      await client.send(
        new PutObjectCommand({ Bucket: name, Key: key, Body: bytes, ContentLength: bytes.length, ...(contentType !== undefined && { ContentType: contentType }) }),
      );
    },

    async moveIn(key, file, contentType) {
      // read whole (VOD files are small): a buffered body can be retried by the SDK, a stream cannot
      await bucket.put(key, await readFile(file), contentType);
      await rm(file, { force: true });
    },

    async download(key, file) {
      checkKey(key);
      let body: unknown;
      try {
        body = (await client.send(new GetObjectCommand({ Bucket: name, Key: key }))).Body;
      } catch (e) {
        if (isNotFound(e)) throw new Error(`cannot download ${JSON.stringify(key)}: no such object in s3://${name}`);
        throw e;
      }
      if (!(body instanceof Readable)) throw new Error(`cannot download ${JSON.stringify(key)}: the S3 client returned no Node stream`);
      try {
        await pipeline(body, createWriteStream(file));
      } catch (e) {
        await rm(file, { force: true });
        throw e;
      }
    },

    async list(prefix) {
      if (prefix !== '') checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
      const Prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const out = await client.send(new ListObjectsV2Command({ Bucket: name, Prefix, ...(ContinuationToken !== undefined && { ContinuationToken }) }));
        for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
      return keys.sort();
    },

    async delete(key) {
      checkKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
    },
  };
  return bucket;
}

/** Whether an SDK error says the object is absent (a missing bucket is a misconfiguration, not an absent object). */
function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (err?.name === 'NoSuchBucket') return false;
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

/** Reads a stream to its end into one Buffer (VOD segments are small). */
async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
