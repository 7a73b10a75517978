import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createChannelRepository } from '../../server/db/channel-repository.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { createVideoRepository, type VideoRepository } from '../../server/db/video-repository.ts';
import { fitLadder } from '../../server/hls/ladder.ts';
import { createLogger } from '../../server/log.ts';
import { createRecorder, type Recorder } from '../../server/live/recorder.ts';
import type { StoredSegment } from '../../server/live/segment-window.ts';
import type { Bucket } from '../../server/storage/bucket.ts';
import { createLocalBucket } from '../../server/storage/local-bucket.ts';
import { createS3Bucket } from '../../server/storage/s3-bucket.ts';
import { versionPrefix } from '../../server/storage/vod-keys.ts';
import { makeClip } from '../helpers/media.ts';
import { startS3Server, type S3Server } from '../helpers/s3-server.ts';
import { waitFor } from '../helpers/wait.ts';

const SOURCE = { width: 320, height: 180, fps: 15, hasAudio: true };
const RUNGS = fitLadder([{ height: 180, videoKbps: 250 }, { height: 144, videoKbps: 150 }], SOURCE);
const PARAMS = ['Policy', 'Signature', 'Key-Pair-Id'];

/** A live run's folder with `count` real MPEG-TS segments per rung (made once, copied per test). */
let segmentsDir: string;
before(async () => {
  segmentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-rec-src-'));
  await makeClip(path.join(segmentsDir, 'a.ts'), { seconds: 1, width: 320, height: 180, fps: 15 });
  await makeClip(path.join(segmentsDir, 'b.ts'), { seconds: 1, width: 320, height: 180, fps: 15, pattern: 'smptebars' });
});
after(() => fs.rmSync(segmentsDir, { recursive: true, force: true }));

/** Writes segment files the way a live run does and returns the groups the window would hand over. */
function liveRun(dir: string, runId: string, count: number, firstSeq = 0, at = Date.parse('2026-12-02T19:00:00Z')): StoredSegment[][] {
  return Array.from({ length: count }, (_, i) =>
    RUNGS.map((rung) => {
      const file = path.join(dir, runId, rung.name, `${i}.ts`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(path.join(segmentsDir, i % 2 ? 'b.ts' : 'a.ts'), file);
      return { seq: firstSeq + i, runId, rung: rung.name, file: `${i}.ts`, duration: 1, path: file, discontinuity: firstSeq > 0 && i === 0, programDateTime: at + (firstSeq + i) * 1000, bytes: undefined };
    }),
  );
}

/** Lines in a recording's journal (0 before it exists). */
const journalLines = (folder: string): number => {
  const file = path.join(folder, 'journal.ndjson');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').length : 0;
};

function fixture(bucket: Bucket) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-rec-'));
  const db: Db = openDatabase(path.join(dir, 'db.sqlite'));
  const channels = createChannelRepository(db);
  channels.create({ id: 'show', title: 'The Show', priceCents: 499, streamKey: 'sk_test_key_000000000000' });
  const videos: VideoRepository = createVideoRepository(db);
  const make = (): Recorder =>
    createRecorder({
      dir: path.join(dir, 'recordings'), bucket, shelf: { channel: (id) => channels.get(id), addReplay: videos.addReplay },
      ffmpegPath: 'ffmpeg', signatureParams: PARAMS, log: createLogger('error'), now: Date.now,
    });
  return { dir, db, channels, videos, make, close: () => (db.close(), fs.rmSync(dir, { recursive: true, force: true })) };
}

for (const kind of ['local folder', 'S3 (s3rver)'] as const) {
  describe(`recorder into a ${kind}`, () => {
    let s3: S3Server | undefined;
    let bucket: Bucket;
    let mediaDir: string;
    before(async () => {
      mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-rec-media-'));
      if (kind === 'local folder') bucket = createLocalBucket(mediaDir);
      else {
        s3 = await startS3Server('replays');
        bucket = createS3Bucket({ bucket: 'replays', client: s3.client });
      }
    });
    after(async () => {
      await s3?.close();
      fs.rmSync(mediaDir, { recursive: true, force: true });
    });

    test('a show with a reconnect becomes one replay: the live bytes, both variants, a poster, listed last', async () => {
      const f = fixture(bucket);
      try {
        const rec = f.make().begin({ channelId: 'show', sessionId: 'abcd1234', rungs: RUNGS, source: SOURCE });
        const groups = [...liveRun(f.dir, 'r1', 3), ...liveRun(f.dir, 'r2', 2, 3)];
        const originals = groups.map((g) => g.map((s) => fs.readFileSync(s.path)));
        for (const g of groups) rec.add(g);
        await waitFor('five journal lines', () => journalLines(path.join(f.dir, 'recordings', 'show.abcd1234')) === 6, 10_000);
        // the live window deletes its copies as they leave the DVR range: the recording keeps the bytes
        for (const g of groups) for (const s of g) fs.rmSync(s.path);
        assert.equal(f.videos.replays().length, 0, 'nothing is listed before the show ends');
        await rec.finish();
        const [replay] = f.videos.replays('show');
        assert.ok(replay, 'the replay is listed');
        assert.match(replay.title, /^The Show – \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
        assert.equal(replay.priceCents, 499, 'priced like its channel');
        assert.equal(replay.durationSec, 5);
        assert.ok(f.videos.hasVersion(replay.id, replay.version!));
        const prefix = versionPrefix(replay.id, replay.version!);
        for (const [i, g] of groups.entries()) {
          for (const [r, s] of g.entries()) assert.ok((await bucket.get(`${prefix}/${s.rung}/${s.seq}.ts`))!.equals(originals[i]![r]!), `${s.rung}/${s.seq}.ts is the live segment`);
        }
        const media = (await bucket.get(`${prefix}/180p.m3u8`))!.toString();
        assert.match(media, /#EXT-X-ENDLIST/);
        assert.equal(media.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
        assert.match((await bucket.get(`${prefix}/q/master.m3u8`))!.toString(), /QUERYPARAM="Policy"/);
        assert.equal((await bucket.get(`${prefix}/poster.jpg`))!.subarray(0, 2).toString('hex'), 'ffd8', 'a JPEG poster');
        assert.deepEqual(fs.readdirSync(path.join(f.dir, 'recordings')), [], 'the recording folder is gone');
      } finally {
        f.close();
      }
    });

    test('after a crash mid-show, the next start publishes what was recorded', async () => {
      const f = fixture(bucket);
      try {
        const rec = f.make().begin({ channelId: 'show', sessionId: 'dead0001', rungs: RUNGS, source: SOURCE });
        for (const g of liveRun(f.dir, 'r1', 3)) rec.add(g);
        const folder = path.join(f.dir, 'recordings', 'show.dead0001');
        await waitFor('three journal lines', () => journalLines(folder) === 4, 10_000);
        // the process dies here: a cut-off journal line, the live folder gone with it
        fs.appendFileSync(path.join(folder, 'journal.ndjson'), '{"seq":3,"dura');
        fs.rmSync(path.join(f.dir, 'r1'), { recursive: true });
        await f.make().recover();
        const [replay] = f.videos.replays('show');
        assert.ok(replay, 'the replay is published at the next start');
        assert.equal(replay.durationSec, 3);
        const listed = (await bucket.get(`${versionPrefix(replay.id, replay.version!)}/144p.m3u8`))!.toString().split('\n').filter((l) => l.endsWith('.ts'));
        assert.deepEqual(listed, ['144p/0.ts', '144p/1.ts', '144p/2.ts']);
        for (const uri of listed) assert.ok(await bucket.head(`${versionPrefix(replay.id, replay.version!)}/${uri}`), `${uri} is in the bucket`);
        await f.make().recover();
        assert.equal(f.videos.replays('show').length, 1, 'recovering again adds nothing');
      } finally {
        f.close();
      }
    });
  });
}
