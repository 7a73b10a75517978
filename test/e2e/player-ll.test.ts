import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright';
import { buyOnWatchPage, currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('web player: LL-HLS of a paid live channel in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let publisher: Child;

  before(async () => {
    server = await startServer({ LADDER: '240p:400k,180p:250k', SEGMENT_SECONDS: '1' });
    const { streamKey } = await createChannel(server, 'stage', { title: 'Stage', priceCents: 300 });
    publisher = startPublisher(server.rtmpUrl(streamKey), { width: 426, height: 240, fps: 15 });
    await waitFor('the channel on air', async () => /channel="stage",state="live"/.test(await (await server.get('/metrics')).text()), 30_000);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await publisher?.kill('SIGKILL');
    await server?.stop();
  });

  test('a buyer plays LL-HLS (blocking reloads, parts) with signed requests, sees the latency and can time-shift without being pulled back; a stranger cannot', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await buyOnWatchPage(page, server.baseUrl, 'stage');
    await page.waitForSelector('#video:not([hidden])');
    await waitFor('live playback past 2 s', async () => (await currentTime(page)) > 2, 30_000, 200);
    await waitFor('the badge to say low latency', async () => (await page.$eval('#latency', (e) => (e as HTMLElement).dataset.lowLatency)) === 'true', 15_000, 250);
    const badge = await page.textContent('#latency');
    assert.match(badge ?? '', /^LIVE · low latency · \d+\.\d s$/);
    const delay = Number(await page.$eval('#latency', (e) => (e as HTMLElement).dataset.delay));
    assert.ok(delay > 0 && delay < 10, `measured delay ${delay} s`);
    const blocking = requests.filter((u) => /\/live\/stage\/q\/ll-\d+p\.m3u8\?/.test(u) && /[?&]_HLS_msn=\d+/.test(u));
    assert.ok(blocking.length > 0, 'hls.js sends blocking playlist reloads');
    const parts = requests.filter((u) => /\/live\/stage\/r[0-9a-z]+\/\d+p\/\d+\.\d+\.m4s/.test(u));
    assert.ok(parts.length > 0, 'hls.js loads parts');
    const signed = /[?&]Policy=[^&]+&Signature=[^&]+&Key-Pair-Id=/;
    assert.ok([...blocking, ...parts].every((u) => signed.test(u)), 'every playlist and part request carries the signature');
    await screenshot(page, 'live-low-latency');

    // time-shifted 2 s back (inside the range where hls.js would speed up to its target latency): it stays at 1x where the viewer chose
    await page.evaluate(() => {
      const w = window as unknown as { __rates?: number[] };
      const video = document.querySelector('#video') as HTMLVideoElement;
      video.addEventListener('seeked', () => (w.__rates ??= [video.playbackRate]), { once: true });
      video.addEventListener('ratechange', () => w.__rates?.push(video.playbackRate));
    });
    await page.fill('#dvr-seek', '-2');
    await waitFor('the seek to be done', async () => page.evaluate(() => (window as unknown as { __rates?: number[] }).__rates !== undefined), 10_000, 100);
    const t0 = await currentTime(page);
    await waitFor('3 s of media played after the seek', async () => (await currentTime(page)) > t0 + 3, 15_000, 200);
    const rates = await page.evaluate(() => (window as unknown as { __rates: number[] }).__rates);
    assert.ok(rates.every((r) => r <= 1), `no catching up while time-shifted (rates ${rates.join(', ')})`);
    assert.equal(await page.$eval('#video', (v) => (v as HTMLVideoElement).playbackRate), 1);
    const behind = Number(await page.$eval('#dvr', (e) => (e as HTMLElement).dataset.behindSeconds));
    assert.ok(behind >= 1.5, `still about 2 s behind live (${behind} s)`);

    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await other.goto(`${server.baseUrl}/watch/stage`);
    await other.waitForSelector('#buy-panel');
    assert.equal(await other.$eval('#video', (v) => (v as HTMLVideoElement).currentTime), 0);
    const denied = await other.evaluate(async (urls) => Promise.all(urls.map(async (u) => (await fetch(u)).status)), [blocking[0]!.split('?')[0]!, parts[0]!.split('?')[0]!]);
    assert.deepEqual(denied, [403, 403], 'the playlist and a part without the signature');
    await context.close();
    await stranger.close();
  });
});
