import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../server/db/database.ts';
import { createVideoRepository, type VideoRepository } from '../../server/db/video-repository.ts';
import { createLogger } from '../../server/log.ts';
import { createJobQueue, type JobRunner } from '../../server/vod/job-queue.ts';
import { waitFor } from '../helpers/wait.ts';

describe('packaging queue: cancelling a video\'s jobs before it is deleted', () => {
  let dir: string;
  let videos: VideoRepository;
  let closeDb: () => void;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-queue-'));
    const db = openDatabase(path.join(dir, 'boxoffice.db'));
    closeDb = () => db.close();
    videos = createVideoRepository(db);
  });
  after(() => {
    closeDb();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('its running job is stopped and waited for, its queued one dropped; another video\'s job runs on', async () => {
    const started: string[] = [];
    let ended = '';
    // a runner that works until stopped, taking a moment to wind down (as ffmpeg does)
    const run: JobRunner = (job, _progress, signal) => {
      started.push(job.videoId);
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => setTimeout(() => {
        ended = job.videoId;
        reject(new Error('stopped'));
      }, 50), { once: true }));
    };
    const queue = createJobQueue({ videos, run, concurrency: 2, log: createLogger('error'), now: Date.now, pollMs: 20 });
    const t = Date.now(); // the queue takes the oldest first
    const a = videos.register({ sourceKey: 'videos/a.mp4', title: 'A', priceCents: undefined }, t - 3);
    const b = videos.register({ sourceKey: 'videos/b.mp4', title: 'B', priceCents: undefined }, t - 2);
    const again = videos.register({ sourceKey: 'videos/a.mp4', title: 'A', priceCents: undefined }, t - 1); // a second job for A, queued behind
    queue.start();
    try {
      await waitFor('both videos packaging', () => started.length === 2, 5000, 10);
      assert.equal(videos.job(again.job.id)!.state, 'queued');
      await queue.cancel(a.video.id);
      assert.equal(ended, a.video.id, 'cancel resolves only once the running job has ended');
      assert.equal(videos.job(a.job.id)!.state, 'failed');
      assert.equal(videos.job(a.job.id)!.error, 'cancelled: the video was deleted');
      assert.equal(videos.job(again.job.id), undefined, 'the queued job is dropped');
      assert.equal(videos.job(b.job.id)!.state, 'running', 'the other video is untouched');
      assert.deepEqual(started, [a.video.id, b.video.id], 'nothing of A started after the cancel');
    } finally {
      await queue.stop();
    }
    assert.equal(videos.job(b.job.id)!.state, 'running', 'a stop (not a cancel) leaves the job for the next start');
  });
});
