import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createVideoRepository, type VideoRepository } from '../../server/db/video-repository.ts';
import { createLogger } from '../../server/log.ts';
import type { Bucket } from '../../server/storage/bucket.ts';
import { createLocalBucket } from '../../server/storage/local-bucket.ts';
import { runPackageJob } from '../../server/vod/package-job.ts';
import { versionPrefix } from '../../server/storage/vod-keys.ts';
import { makeClip } from '../helpers/media.ts';

/** A local bucket that records each moveIn (and how many ran at once), failing the `failAt`-th when set. */
function recordingBucket(inner: Bucket, failAt?: number): Bucket & { moved: string[]; peak: number } {
  let running = 0;
  const rec = {
    ...inner,
    moved: [] as string[],
    peak: 0,
    async moveIn(key: string, file: string, contentType?: string): Promise<void> {
      const n = rec.moved.push(key);
      rec.peak = Math.max(rec.peak, ++running);
      try {
        await new Promise((r) => setImmediate(r)); // let the other lanes start
        if (n === failAt) throw new Error('bucket refused the write');
        await inner.moveIn(key, file, contentType);
      } finally {
        running--;
      }
    },
  };
  return rec;
}

describe('packaging job: the upload to the bucket', () => {
  let dir: string;
  let videos: VideoRepository;
  let closeDb: () => void;
  const settings = loadConfig({ DATA_DIR: os.tmpdir(), LADDER: '240p:300k,180p:200k', SEGMENT_SECONDS: '1', X264_PRESET: 'ultrafast' });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-package-'));
    const db = openDatabase(path.join(dir, 'boxoffice.db'));
    closeDb = () => db.close();
    videos = createVideoRepository(db);
    fs.mkdirSync(path.join(dir, 'media', 'videos'), { recursive: true });
    await makeClip(path.join(dir, 'media', 'videos', 'clip.mp4'), { seconds: 6, width: 320, height: 240 });
  });
  after(() => {
    closeDb();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Packages a fresh copy of the clip (a new source key: a new video) through `bucket`. */
  const run = (bucket: Bucket, name: string, controller = new AbortController()) => {
    fs.copyFileSync(path.join(dir, 'media', 'videos', 'clip.mp4'), path.join(dir, 'media', 'videos', `${name}.mp4`));
    const { video, job } = videos.register({ sourceKey: `videos/${name}.mp4`, title: 'Clip', priceCents: undefined }, Date.now());
    const workDir = path.join(dir, `work-${name}`);
    const done = runPackageJob(job, { bucket, videos, settings, workDir, signatureParams: ['Policy', 'Signature', 'Key-Pair-Id'], log: createLogger('error'), now: Date.now }, () => undefined, controller.signal);
    return { video, workDir, done };
  };

  test('segments and the poster go up several at a time, every playlist after them, and the work folder is emptied', async () => {
    const bucket = recordingBucket(createLocalBucket(path.join(dir, 'media')));
    const { video, workDir, done } = run(bucket, 'ok');
    await done;
    const published = videos.get(video.id)!;
    assert.ok(published.version, 'the version is published');
    const prefix = `${versionPrefix(video.id, published.version)}/`;
    const firstPlaylist = bucket.moved.findIndex((k) => k.endsWith('.m3u8'));
    assert.ok(firstPlaylist > 0 && bucket.moved.slice(firstPlaylist).every((k) => k.endsWith('.m3u8')), `order: ${bucket.moved.join(', ')}`);
    assert.ok(bucket.moved.includes(`${prefix}poster.jpg`) && bucket.moved.includes(`${prefix}q/master.m3u8`));
    assert.ok(bucket.peak > 1 && bucket.peak <= 8, `at most 8 at once (peak ${bucket.peak})`);
    assert.deepEqual(await bucket.list(prefix), [...bucket.moved].sort(), 'every file moved in is in the bucket, nothing else');
    assert.deepEqual(fs.readdirSync(workDir), [], 'nothing left in the work folder');
  });

  test('a write the bucket refuses fails the job with its reason, starts no more uploads and publishes nothing', async () => {
    const bucket = recordingBucket(createLocalBucket(path.join(dir, 'media')), 3);
    const { video, workDir, done } = run(bucket, 'fail');
    await assert.rejects(done, /bucket refused the write/);
    assert.equal(videos.get(video.id)!.version, undefined, 'no version published');
    assert.ok(bucket.moved.length <= 3 + 7, `only the uploads already running finished (${bucket.moved.length} started)`);
    assert.ok(!bucket.moved.some((k) => k.endsWith('.m3u8')), 'no playlist was written');
    assert.deepEqual(fs.readdirSync(workDir), [], 'nothing left in the work folder');
  });

  test('a job stopped while its playlists go up (its video is being deleted) publishes nothing', async () => {
    const controller = new AbortController();
    const inner = createLocalBucket(path.join(dir, 'media'));
    const bucket: Bucket = { ...inner, moveIn: async (key, file, type) => (key.endsWith('/q/master.m3u8') && controller.abort(), inner.moveIn(key, file, type)) }; // the last file up
    const { video, done } = run(bucket, 'stopped', controller);
    await assert.rejects(done, /stopped/);
    assert.equal(videos.get(video.id)!.version, undefined, 'no version published');
  });
});
