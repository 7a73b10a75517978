import type { Config } from '../config.ts';
import type { Bucket } from './bucket.ts';
import { createLocalBucket } from './local-bucket.ts';
import { createS3Bucket } from './s3-bucket.ts';

/** The configured bucket: S3 when S3_BUCKET is set, else the local folder MEDIA_DIR. */
export function openBucket(config: Pick<Config, 's3Bucket' | 's3Endpoint' | 's3Region' | 's3ForcePathStyle' | 'mediaDir'>): Bucket {
  return config.s3Bucket
    ? createS3Bucket({ bucket: config.s3Bucket, endpoint: config.s3Endpoint, region: config.s3Region, forcePathStyle: config.s3ForcePathStyle })
    : createLocalBucket(config.mediaDir);
}
