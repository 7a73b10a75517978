import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { followLive, listedSegments } from '../helpers/live-viewer.ts';
import { startPublisher } from '../helpers/processes.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const ENV = { LADDER: '240p:300k,180p:200k', SEGMENT_SECONDS: '1', LIVE_GRACE_SECONDS: '4' };

/** The ffmpeg children of a process (the origin's transcoders). */
const ffmpegsOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid), 'ffmpeg'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

test('an origin killed mid-show publishes the replay of what it recorded when it starts again', async () => {
  const first = await startServer(ENV);
  const publisher = startPublisher(first.rtmpUrl(first.demoKey));
  const viewer = followLive({ baseUrl: first.baseUrl, channel: 'demo', rungs: ['240p'] });
  let orphans: number[] = [];
  let second;
  try {
    await waitFor('4 live segments', () => viewer.count('240p') >= 4, 30_000);
    await viewer.stop();
    orphans = ffmpegsOf(first.pid);
    assert.ok(orphans.length > 0, 'a transcoder runs');
    await first.stop({ signal: 'SIGKILL', keepData: true });
    await publisher.kill('SIGKILL');
    // the transcoder outlives its parent only until its stdin closes
    await waitFor('the orphaned transcoder to exit', () => orphans.every((pid) => !fs.existsSync(`/proc/${pid}`)), 10_000).catch(() => orphans.forEach((pid) => process.kill(pid, 'SIGKILL')));
    assert.ok(fs.readdirSync(path.join(first.dataDir, 'recordings')).length === 1, 'the show was being recorded');
    assert.equal(((await (await fetch(`${first.baseUrl}/healthz`).catch(() => undefined))?.status)), undefined, 'the origin is gone');

    second = await startServer(ENV, { dataDir: first.dataDir });
    let replay: { id: string; durationSec: number } | undefined;
    await waitFor('the replay in the catalog', async () => {
      const { items } = (await (await second!.get('/api/catalog')).json()) as { items: Array<{ id: string; durationSec: number; replay?: { channelId: string } }> };
      replay = items.find((i) => i.replay?.channelId === 'demo');
      return replay !== undefined;
    }, 20_000, 200);
    const master = await second.get(`/vod/${replay!.id}/master.m3u8`, {});
    assert.equal(master.status, 200, 'the redirect to the current version is followed');
    const base = master.url.replace(/master\.m3u8$/, '');
    const media = await (await fetch(`${base}240p.m3u8`)).text();
    assert.match(media, /#EXT-X-ENDLIST/);
    const listed = listedSegments(media);
    const seen = [...viewer.seen.keys()].length;
    assert.ok(listed.length >= seen, `the replay lists ${listed.length} segments; viewers had seen ${seen} before the crash`);
    for (const uri of listed) assert.equal((await fetch(`${base}${uri}`)).status, 200, uri);
    assert.ok(replay!.durationSec >= seen, 'its duration covers what was recorded');
    assert.deepEqual(fs.readdirSync(path.join(first.dataDir, 'recordings')), [], 'nothing is left to recover');
  } finally {
    await viewer.stop();
    await publisher.kill('SIGKILL');
    await second?.stop();
    if (!second) await first.stop().catch(() => undefined);
  }
});
