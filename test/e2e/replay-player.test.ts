import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright';
import { buyOnWatchPage, currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { followLive, listedSegments } from '../helpers/live-viewer.ts';
import { probeStreams } from '../helpers/probe.ts';
import { startPublisher } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const RUNGS = ['240p', '180p'] as const;
const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/** A catalog item as the player sees it. */
interface Item { id: string; kind: string; title: string; replay?: { channelId: string } }

describe('replay of a paid live show, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let buyer: BrowserContext;
  let replay: Item;
  let liveSeen: Map<string, { bytes: Buffer }>;
  let listedAfterMs: number;

  before(async () => {
    server = await startServer({ LADDER: '240p:400k,180p:250k', SEGMENT_SECONDS: '2', LIVE_GRACE_SECONDS: '6' });
    const { streamKey } = await createChannel(server, 'concert', { title: 'Concert', priceCents: 300 });
    browser = await launchChromium();
    let publisher = startPublisher(server.rtmpUrl(streamKey), { width: 320, height: 240, fps: 15 });
    try {
      await waitFor('the show on air', async () => /channel="concert",state="live"/.test(await (await server.get('/metrics')).text()), 30_000, 200);
      // a viewer buys the live channel in the browser while the show runs
      buyer = await browser.newContext();
      const page = await buyer.newPage();
      await buyOnWatchPage(page, server.baseUrl, 'concert');
      await waitFor('live playback', async () => (await currentTime(page)) > 0.5, 30_000, 200);
      const cookies = (await buyer.cookies(`${server.baseUrl}/live/concert/240p.m3u8`)).map((c) => `${c.name}=${c.value}`).join('; ');
      await page.close();
      // what live viewers were served, segment by segment (with the signed cookies)
      const viewer = followLive({ baseUrl: server.baseUrl, channel: 'concert', rungs: RUNGS, headers: { cookie: cookies } });
      await waitFor('3 live segments per rung', () => RUNGS.every((r) => viewer.count(r) >= 3), 30_000);
      // the encoder drops and comes back within the grace: one show, one replay
      await publisher.kill('SIGKILL');
      publisher = startPublisher(server.rtmpUrl(streamKey), { width: 320, height: 240, fps: 15 });
      const runs = (): number => new Set([...viewer.seen.keys()].map((p) => p.split('/')[3])).size;
      await waitFor('segments of the reconnected publish', () => runs() >= 2 && RUNGS.every((r) => viewer.count(r) >= 6), 40_000);
      await publisher.kill('SIGTERM');
      const ended = Date.now();
      await viewer.stop();
      assert.deepEqual(viewer.failures, []);
      liveSeen = viewer.seen;
      await waitFor('the replay in the catalog', async () => {
        const { items } = (await (await server.get('/api/catalog')).json()) as { items: Item[] };
        replay = items.find((i) => i.replay?.channelId === 'concert')!;
        return replay !== undefined;
      }, 40_000, 250);
      listedAfterMs = Date.now() - ended;
    } finally {
      await publisher.kill('SIGKILL');
    }
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the replay is listed within 30 s of the show\'s end, titled after its channel, priced like it', async () => {
    assert.ok(listedAfterMs <= 30_000, `listed ${listedAfterMs} ms after the end`);
    assert.match(replay.title, /^Concert – \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    const item = ((await (await server.get('/api/catalog')).json()) as { items: Array<Item & { priceCents: number; posterUrl: string }> }).items.find((i) => i.id === replay.id)!;
    assert.equal(item.priceCents, 300);
    assert.equal((await fetch(item.posterUrl)).headers.get('content-type'), 'image/jpeg', 'its poster is public');
  });

  test('its segments are the live ladder\'s own bytes, every rung decodable, the reconnect marked', async () => {
    const viewerCookie = (await buyer.cookies(server.baseUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
    const playback = await server.get(`/api/playback/${replay.id}`, { cookie: viewerCookie });
    assert.equal(playback.status, 200, 'the live purchase covers the replay of its show');
    const signed = new URL(((await playback.json()) as { url: string }).url);
    const folder = signed.pathname.replace(/q\/master\.m3u8$/, '');
    assert.match(folder, new RegExp(`^/vod/${replay.id}/[0-9a-f]{16}/$`), 'a versioned path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-replay-'));
    try {
      for (const rung of RUNGS) {
        const playlist = await (await server.get(`${folder}${rung}.m3u8${signed.search}`)).text();
        assert.match(playlist, /#EXT-X-ENDLIST\n$/);
        assert.match(playlist, /#EXT-X-PROGRAM-DATE-TIME:\d{4}-/);
        assert.equal(playlist.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1, 'one reconnect, one discontinuity');
        const hashes = new Set<string>();
        const whole: Buffer[] = [];
        for (const uri of listedSegments(playlist)) {
          const res = await server.get(`${folder}${uri}${signed.search}`);
          assert.equal(res.status, 200, uri);
          const bytes = Buffer.from(await res.arrayBuffer());
          hashes.add(sha(bytes));
          whole.push(bytes);
        }
        const live = [...liveSeen].filter(([p]) => p.split('/')[4] === rung);
        assert.ok(live.length >= 6);
        for (const [p, { bytes }] of live) assert.ok(hashes.has(sha(bytes)), `${p} is in the replay byte for byte (no re-encode)`);
        const file = path.join(dir, `${rung}.ts`);
        fs.writeFileSync(file, Buffer.concat(whole));
        const streams = await probeStreams(file);
        assert.ok(streams.some((s) => s.type === 'video' && s.codec === 'h264' && s.frames > 0), `${rung} video decodes`);
        assert.ok(streams.some((s) => s.type === 'audio' && s.codec === 'aac' && s.frames > 0), `${rung} audio decodes`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal((await server.get(`${folder}240p.m3u8`)).status, 403, 'not without a signature');
  });

  test('the buyer plays it start to end in the player; a stranger gets the buy panel', async () => {
    const page = await buyer.newPage();
    const requested: string[] = [];
    page.on('request', (r) => /\.ts(\?|$)/.test(r.url()) && requested.push(new URL(r.url()).pathname));
    await page.goto(`${server.baseUrl}/watch/${replay.id}`);
    await waitFor('replay playback', async () => (await currentTime(page)) > 1, 30_000, 200);
    await screenshot(page, 'replay');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'The end.', null, { timeout: 60_000 });
    const duration = await page.$eval('#video', (v) => (v as HTMLVideoElement).duration);
    assert.ok((await currentTime(page)) >= duration - 0.5, 'played to the end');
    const last = Math.max(...requested.map((p) => Number(p.split('/').at(-1)!.replace('.ts', ''))));
    assert.ok(requested.some((p) => p.endsWith('/0.ts')) && last >= 5, `first and last segments fetched: ${requested.join(' ')}`);
    await page.close();

    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await other.goto(`${server.baseUrl}/watch/${replay.id}`);
    await other.waitForSelector('#buy-panel');
    assert.match((await other.textContent('#buy-panel')) ?? '', /hours of access/);
    await stranger.close();
  });
});
