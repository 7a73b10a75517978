import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** A running s3rver with one bucket, and an S3 client pointed at it. */
export interface S3Server {
  readonly client: S3Client;
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (a free port) over a fresh temp folder, with `bucketName` created; `close` stops it and
 * removes the folder. Known limit: a listing longer than one page (1000 keys, or a smaller MaxKeys) fails with
 * InternalError, because s3rver 3.7 makes continuation tokens with single DES, which OpenSSL 3 (Node >= 17) refuses.
 */
export async function startS3Server(bucketName: string): Promise<S3Server> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'boxoffice-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucketName }] });
  let address;
  try {
    address = await server.run();
  } catch (e) {
    rmSync(directory, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    client,
    endpoint,
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
