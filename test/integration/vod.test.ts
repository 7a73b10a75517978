import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runTs } from '../helpers/cli.ts';
import { startS3Server } from '../helpers/s3-server.ts';
import { childPids, isAlive, isRunning } from '../helpers/processes.ts';
import { makeClip } from '../helpers/media.ts';
import { probeVideo } from '../helpers/probe.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);
const ENV = { LADDER: '720p:3000k,480p:1400k,360p:800k', SEGMENT_SECONDS: '2' };

describe('VOD: bucket sources packaged into versioned ABR HLS', () => {
  let server: TestServer;
  let media: string;

  before(async () => {
    server = await startServer(ENV);
    media = path.join(server.dataDir, 'media');
    fs.mkdirSync(path.join(media, 'videos'), { recursive: true });
    await makeClip(path.join(media, 'videos/clip.mp4'));
  });
  after(() => server.stop());

  const admin = (method: string, url: string, body?: unknown): Promise<Response> =>
    fetch(`${server.baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${server.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const register = async (source: string, extra: Record<string, unknown> = {}): Promise<{ id: string; jobId: string }> => {
    const res = await admin('POST', '/api/admin/videos', { source, title: 'Clip', ...extra });
    assert.equal(res.status, 202, await res.clone().text());
    return (await res.json()) as { id: string; jobId: string };
  };
  const finished = (jobId: string): Promise<{ state: string; progress: number; error?: string }> =>
    waitFor(`job ${jobId}`, async () => {
      const job = (await (await admin('GET', `/api/admin/jobs/${jobId}`)).json()) as { state: string; progress: number; error?: string };
      return (job.state === 'done' || job.state === 'failed') && job;
    }, 60_000, 200);
  const currentVersion = async (id: string): Promise<string> => {
    const res = await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    return /\/vod\/v_[0-9a-f]+\/([0-9a-f]{16})\/master\.m3u8$/.exec(res.headers.get('location')!)![1]!;
  };
  let videoId: string;
  let paidId: string;

  test('a 720p clip is packaged into three rungs with aligned 2 s segments and a poster', async () => {
    const { id, jobId } = await register('videos/clip.mp4');
    videoId = id;
    assert.deepEqual(await finished(jobId), { id: jobId, videoId: id, state: 'done', progress: 1 } as unknown);
    const master = await (await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`)).text();
    const resolutions = [...master.matchAll(/RESOLUTION=(\d+x\d+)/g)].map((m) => m[1]);
    assert.deepEqual(resolutions, ['1280x720', '854x480', '640x360']);
    assert.match(master, /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",FRAME-RATE=30\.000/);
    const version = await currentVersion(id);
    const firstPts: number[] = [];
    for (const [rung, size] of [['720p', [1280, 720]], ['480p', [854, 480]], ['360p', [640, 360]]] as const) {
      const list = await (await fetch(`${server.baseUrl}/vod/${id}/${version}/${rung}.m3u8`)).text();
      assert.match(list, /#EXT-X-ENDLIST/);
      const durations = [...list.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
      assert.deepEqual(durations, [2, 2], `${rung}: 2 s segments`);
      const info = await probeVideo(`${server.baseUrl}/vod/${id}/${version}/${rung}/1.ts`);
      assert.deepEqual([info.width, info.height], [...size]);
      firstPts.push(info.firstPts);
    }
    assert.equal(new Set(firstPts).size, 1, `segment 1 starts at the same time in every rung: ${firstPts}`);
    const poster = await fetch(`${server.baseUrl}/vod/${id}/poster.jpg`);
    assert.equal(poster.status, 200);
    assert.equal(poster.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...Buffer.from(await poster.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8]);
    const item = ((await (await server.get('/api/catalog')).json()) as { items: Array<Record<string, unknown>> }).items.find((i) => i.id === id)!;
    assert.equal(item.kind, 'vod');
    assert.equal(item.durationSec, 4);
    assert.equal(item.posterUrl, `${server.baseUrl}/vod/${id}/${version}/poster.jpg`);
  });

  test('HTTP: immutable caching, MIME types, ranges, ETags; the entry point redirects briefly', async () => {
    const version = await currentVersion(videoId);
    const redirect = await fetch(`${server.baseUrl}/vod/${videoId}/master.m3u8`, { redirect: 'manual' });
    assert.equal(redirect.headers.get('cache-control'), 'public, max-age=10');
    const seg = await fetch(`${server.baseUrl}/vod/${videoId}/${version}/720p/0.ts`);
    assert.equal(seg.headers.get('content-type'), 'video/mp2t');
    assert.equal(seg.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const bytes = Buffer.from(await seg.arrayBuffer());
    const part = await fetch(`${server.baseUrl}/vod/${videoId}/${version}/720p/0.ts`, { headers: { range: 'bytes=0-187' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(0, 188));
    const list = await fetch(`${server.baseUrl}/vod/${videoId}/${version}/720p.m3u8`);
    assert.equal(list.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal((await fetch(`${server.baseUrl}/vod/${videoId}/${version}/720p.m3u8`, { headers: { 'if-none-match': list.headers.get('etag')! } })).status, 304);
    assert.equal((await fetch(`${server.baseUrl}/vod/${videoId}/0123456789abcdef/720p.m3u8`)).status, 404, 'an unpublished version is never served');
  });

  test('the same bytes again reuse the version without encoding; changed bytes make a new one, the old stays served', async () => {
    const before = await currentVersion(videoId);
    const again = await register('videos/clip.mp4');
    assert.equal(again.id, videoId, 'the same source is the same video');
    assert.equal((await finished(again.jobId)).state, 'done');
    assert.equal(await currentVersion(videoId), before);
    assert.match(server.output(), /video unchanged: reusing its packaged version/);

    await makeClip(path.join(media, 'videos/clip.mp4'), { seconds: 3, pattern: 'smptebars' });
    const changed = await register('videos/clip.mp4');
    assert.equal((await finished(changed.jobId)).state, 'done');
    const after = await currentVersion(videoId);
    assert.notEqual(after, before, 'new bytes, new path');
    assert.equal((await fetch(`${server.baseUrl}/vod/${videoId}/${before}/720p/0.ts`)).status, 200, 'URLs of the old version keep working');
  });

  test('a text file renamed .mp4 fails with a clear error and publishes nothing', async () => {
    fs.writeFileSync(path.join(media, 'videos/notes.mp4'), 'these are my notes, not a video\n'.repeat(50));
    const { id, jobId } = await register('videos/notes.mp4');
    const job = await finished(jobId);
    assert.equal(job.state, 'failed');
    assert.match(job.error!, /not a video|ffprobe cannot read it/i);
    const res = await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`, { redirect: 'manual' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, 'not_ready');
    assert.equal(fs.existsSync(path.join(media, 'vod', id)), false, 'nothing was written to the bucket');
    const catalog = (await (await server.get('/api/catalog')).json()) as { items: Array<{ id: string }> };
    assert.ok(!catalog.items.some((i) => i.id === id), 'not in the catalog');
  });

  test('a video deleted while it is being packaged: its ffmpeg is stopped first, nothing of it stays in the bucket, its source stays', async () => {
    await makeClip(path.join(media, 'videos/doomed.mp4'), { seconds: 20 });
    const { id, jobId } = await register('videos/doomed.mp4');
    await waitFor('the job to be encoding', async () => {
      const job = (await (await admin('GET', `/api/admin/jobs/${jobId}`)).json()) as { state: string; progress: number };
      return job.state === 'running' && job.progress > 0.05 && job.progress < 0.9;
    }, 60_000, 100);
    const encoders = childPids(server.pid, 'ffmpeg');
    assert.ok(encoders.length >= 1, 'ffmpeg packages it');
    assert.equal((await admin('DELETE', `/api/admin/videos/${id}`)).status, 204);
    assert.deepEqual(encoders.filter((pid) => isRunning(pid)), [], 'the delete answers once its ffmpeg has ended');
    assert.equal((await admin('GET', `/api/admin/jobs/${jobId}`)).status, 404);
    assert.equal(fs.existsSync(path.join(media, 'vod', id)) && fs.readdirSync(path.join(media, 'vod', id), { recursive: true }).length > 0, false, 'nothing of it in the bucket');
    assert.ok(fs.existsSync(path.join(media, 'videos/doomed.mp4')), "the operator's own source is left alone");
    assert.equal((await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`, { redirect: 'manual' })).status, 404);
  });

  test('traversal and absent source keys are refused before anything is queued', async () => {
    for (const source of ['../etc/passwd', '/etc/passwd', 'videos/../../x', 'videos//clip.mp4', 'videos\\clip.mp4']) {
      const res = await admin('POST', '/api/admin/videos', { source, title: 'x' });
      assert.equal(res.status, 400, source);
      assert.equal(((await res.json()) as { error: string }).error, 'bad_key', source);
    }
    const missing = await admin('POST', '/api/admin/videos', { source: 'videos/absent.mp4' });
    assert.equal(((await missing.json()) as { error: string }).error, 'source_not_found');
    for (const url of ['/vod/../etc/passwd', '/vod/%2e%2e/x', `/vod/${videoId}/..%2f..%2fboxoffice.db`]) {
      const res = await fetch(`${server.baseUrl}${url}`);
      assert.ok(res.status === 400 || res.status === 404, url);
    }
  });

  test('a paid video needs a signature (posters excepted) and plays with one, through the redirect', async () => {
    await makeClip(path.join(media, 'videos/paid.mp4'), { seconds: 2, width: 640, height: 360 });
    const { id, jobId } = await register('videos/paid.mp4', { priceCents: 300 });
    paidId = id;
    assert.equal((await finished(jobId)).state, 'done');
    const denied = await fetch(`${server.baseUrl}/vod/${id}/q/master.m3u8`, { redirect: 'manual' });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /<Code>MissingKey<\/Code>/);
    assert.equal((await fetch(`${server.baseUrl}/vod/${id}/poster.jpg`)).status, 200);
    const signed = (await runTs('server/cli/main.ts', ['sign', `${server.baseUrl}/vod/${id}/q/master.m3u8`], { DATA_DIR: server.dataDir, PUBLIC_URL: server.baseUrl })).stdout.trim();
    const master = await fetch(signed);
    assert.equal(master.status, 200, 'the redirect keeps the signature');
    const text = await master.text();
    assert.match(text, /^#EXT-X-DEFINE:QUERYPARAM="Policy"$/m);
    const query = new URL(master.url).search;
    const media0 = await fetch(new URL(`360p.m3u8${query}`, master.url));
    assert.equal(media0.status, 200);
    const segment = /^(\.\.\/360p\/0\.ts)\?/m.exec(await media0.text())![1]!;
    assert.equal((await fetch(new URL(`${segment}${query}`, media0.url))).status, 200);
    assert.equal((await fetch(new URL(segment, media0.url))).status, 403);
  });

  test('RTMP on-demand play returns the streams of a bucket video; a paid one needs a signed stream name', async () => {
    const probe = async (url: string): Promise<string[]> => {
      const { stdout } = await exec('ffprobe', ['-v', 'error', '-rw_timeout', '8000000', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', url], { timeout: 20_000 });
      return stdout.trim().split('\n').sort();
    };
    assert.deepEqual(await probe(server.rtmpUrl(videoId)), ['audio', 'video'], 'by video id');
    assert.deepEqual(await probe(server.rtmpUrl('videos/clip.mp4')), ['audio', 'video'], 'by source key (ffmpeg sends mp4:videos/clip.mp4)');
    await assert.rejects(probe(server.rtmpUrl(paidId)));
    assert.match(server.output(), /refused: paid video, signature refused: MissingKey/);
    const signed = (await runTs('server/cli/main.ts', ['sign', server.rtmpUrl(paidId)], { DATA_DIR: server.dataDir, PUBLIC_URL: server.baseUrl })).stdout.trim();
    assert.deepEqual(await probe(signed), ['audio', 'video']);
    await assert.rejects(probe(server.rtmpUrl('videos/absent.mp4')));
    await waitFor('on-demand ffmpegs to stop with their players', () => childPids(server.pid, 'ffmpeg').length === 0, 10_000);
  });

  test('cli vod add uploads a local file, queues it and shows progress until it is packaged', async () => {
    const file = path.join(server.dataDir, 'upload.mp4');
    await makeClip(file, { seconds: 6, width: 640, height: 360 });
    const res = await runTs('server/cli/main.ts', ['vod', 'add', file, '--title', 'Uploaded', '--price', '1.50'], { DATA_DIR: server.dataDir, MEDIA_DIR: media, PUBLIC_URL: server.baseUrl });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Uploading .* as sources\/upload\.mp4/);
    assert.match(res.stdout, /\[#+\.*\]\s+\d+%/, 'a progress bar');
    assert.match(res.stdout, /\[#{30}\] 100%/);
    assert.match(res.stdout, /Packaged: http:\/\/127\.0\.0\.1:\d+\/vod\/v_[0-9a-f]{12}\/master\.m3u8/);
    const list = await runTs('server/cli/main.ts', ['vod', 'list'], { DATA_DIR: server.dataDir, MEDIA_DIR: media });
    assert.match(list.stdout, /v_[0-9a-f]{12}\s+1\.50 USD\s+[0-9a-f]{16}\s+6s\s+sources\/upload\.mp4\s+Uploaded/);
  });
});

describe('VOD: a job killed mid-way', () => {
  test('leaves no visible version and completes after a restart', async () => {
    let server = await startServer(ENV);
    const media = path.join(server.dataDir, 'media');
    fs.mkdirSync(path.join(media, 'videos'), { recursive: true });
    await makeClip(path.join(media, 'videos/long.mp4'), { seconds: 20 });
    const res = await fetch(`${server.baseUrl}/api/admin/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'videos/long.mp4' }),
    });
    const { id, jobId } = (await res.json()) as { id: string; jobId: string };
    const jobState = async (s: typeof server) => (await (await fetch(`${s.baseUrl}/api/admin/jobs/${jobId}`, { headers: { authorization: `Bearer ${s.adminToken}` } })).json()) as { state: string; progress: number };
    await waitFor('the job to be part-way', async () => {
      const job = await jobState(server);
      return job.state === 'running' && job.progress > 0.05 && job.progress < 0.9;
    }, 60_000, 100);
    const encoders = childPids(server.pid, 'ffmpeg');
    assert.equal(encoders.length, 1, 'one ffmpeg packages the job');
    await server.stop({ keepData: true, signal: 'SIGKILL' });
    // its progress pipe has no reader any more: the next progress write ends ffmpeg (SIGPIPE)
    await waitFor('the orphaned ffmpeg to end', () => encoders.every((pid) => !isAlive(pid)), 5000).catch((e: Error) => {
      encoders.forEach((pid) => isAlive(pid) && process.kill(pid, 'SIGKILL'));
      throw e;
    });
    server = await startServer(ENV, { dataDir: server.dataDir });
    try {
      const first = await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`, { redirect: 'manual' });
      assert.equal(first.status, 404, 'no version is visible after the crash');
      await waitFor('the job to complete after the restart', async () => (await jobState(server)).state === 'done', 90_000, 250);
      assert.match(server.output(), /re-queued packaging jobs interrupted by the last stop/);
      assert.equal((await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});

describe('VOD in S3 mode (an S3-protocol server on loopback)', () => {
  test('sources are read from S3, outputs uploaded there, and the origin serves them from it', async () => {
    const s3 = await startS3Server('boxoffice-media');
    const server = await startServer({
      ...ENV,
      S3_BUCKET: 'boxoffice-media',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    try {
      const clip = path.join(server.dataDir, 'clip.mp4');
      await makeClip(clip, { seconds: 2, width: 640, height: 360 });
      await s3.client.send(new PutObjectCommand({ Bucket: 'boxoffice-media', Key: 'videos/s3clip.mp4', Body: fs.readFileSync(clip) }));
      const res = await fetch(`${server.baseUrl}/api/admin/videos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'videos/s3clip.mp4', title: 'From S3' }),
      });
      assert.equal(res.status, 202);
      const { id, jobId } = (await res.json()) as { id: string; jobId: string };
      await waitFor('packaging from S3', async () => {
        const job = (await (await fetch(`${server.baseUrl}/api/admin/jobs/${jobId}`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json()) as { state: string };
        assert.notEqual(job.state, 'failed', JSON.stringify(job));
        return job.state === 'done';
      }, 60_000, 200);
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'boxoffice-media', Prefix: `vod/${id}/` }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      assert.ok(keys.some((k) => /\/master\.m3u8$/.test(k)) && keys.some((k) => /\/360p\/0\.ts$/.test(k)) && keys.some((k) => /\/poster\.jpg$/.test(k)), keys.join(', '));
      const master = await fetch(`${server.baseUrl}/vod/${id}/master.m3u8`);
      assert.equal(master.status, 200);
      assert.match(await master.text(), /RESOLUTION=640x360/);
      const segment = await fetch(new URL('360p/0.ts', master.url));
      assert.equal(segment.status, 200);
      assert.equal(Buffer.from(await segment.arrayBuffer())[0], 0x47);
      assert.match(server.output(), /"bucket":"s3:\/\/boxoffice-media"/);
    } finally {
      await server.stop();
      await s3.close();
    }
  });
});
