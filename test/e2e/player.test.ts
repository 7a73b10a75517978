import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright';
import { buyOnWatchPage, currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { makeClip } from '../helpers/media.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { addVideo, createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('web player in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let freeId: string;
  let paidId: string;
  const publishers: Child[] = [];

  before(async () => {
    server = await startServer({ LADDER: '360p:800k,240p:400k,180p:250k', SEGMENT_SECONDS: '2' });
    const media = path.join(server.dataDir, 'media', 'videos');
    fs.mkdirSync(media, { recursive: true });
    await makeClip(path.join(media, 'free.mp4'), { seconds: 12, width: 640, height: 360 });
    await makeClip(path.join(media, 'paid.mp4'), { seconds: 12, width: 640, height: 360, pattern: 'smptebars' });
    freeId = await addVideo(server, 'videos/free.mp4', 'Free clip');
    paidId = await addVideo(server, 'videos/paid.mp4', 'Paid clip', 299);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server.stop();
  });

  test('a free video plays; the quality menu lists every rung and switching loads that rung', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const violations: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text()));
    await page.goto(server.baseUrl);
    await page.waitForSelector(`.card[data-id="${freeId}"]`);
    await screenshot(page, 'catalog');
    await page.click(`.card[data-id="${freeId}"] a`);
    await page.waitForURL(`**/watch/${freeId}`);
    await waitFor('playback past 3 s', async () => (await currentTime(page)) > 3, 30_000, 200);
    const ttff = Number(await page.evaluate(() => document.body.dataset.ttffMs));
    assert.ok(ttff > 0, 'time to first frame is measured');
    const options = await page.$$eval('#quality option', (os) => os.map((o) => (o as HTMLOptionElement).value + ' ' + o.textContent));
    assert.equal(options.length, 4, options.join(' | '));
    assert.match(options[0]!, /^-1 Auto/);
    for (const h of ['180p', '240p', '360p']) assert.ok(options.some((o) => o.includes(h)), h);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const lowest = options.find((o) => o.includes('180p'))!.split(' ')[0]!;
    await page.selectOption('#quality', lowest);
    await waitFor('the 180p rung to load and play', async () => (await page.$eval('#quality', (s) => (s as HTMLSelectElement).dataset.level)) === lowest && requested.some((u) => /\/180p\/\d+\.ts/.test(u)), 20_000, 200);
    await screenshot(page, 'playback');
    assert.deepEqual(violations, [], 'the player and hls.js run within the page CSP');
    await page.close();
  });

  test('a paid video: buy panel, demo checkout, back and playing with signed requests; another browser cannot', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/watch/${paidId}`);
    await page.waitForSelector('#buy-panel');
    assert.match(await page.textContent('#buy-panel') ?? '', /hours of access/);
    await screenshot(page, 'buy-panel');
    const segmentUrls: string[] = [];
    page.on('request', (r) => /\.ts(\?|$)/.test(r.url()) && segmentUrls.push(r.url()));
    await page.click('#buy');
    await page.waitForURL(/\/demo-checkout\//);
    assert.match(await page.textContent('body') ?? '', /No money moves/);
    await page.click('text=Complete demo purchase');
    await page.waitForURL(new RegExp(`/watch/${paidId}`));
    await page.waitForSelector('#video:not([hidden])');
    await waitFor('the bought video to play', async () => (await currentTime(page)) > 1, 30_000, 200);
    assert.ok(segmentUrls.length > 0);
    assert.ok(segmentUrls.every((u) => /[?&]Policy=[^&]+&Signature=[^&]+&Key-Pair-Id=/.test(u)), 'every segment request carries the signature');

    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await other.goto(`${server.baseUrl}/watch/${paidId}`);
    await other.waitForSelector('#buy-panel');
    assert.equal(await other.$eval('#video', (v) => (v as HTMLVideoElement).currentTime), 0);
    const bare = await fetch(segmentUrls[0]!.split('?')[0]!);
    assert.equal(bare.status, 403, 'a segment without the signature');
    await context.close();
    await stranger.close();
  });

  test('live: on air in the catalog, plays with its latency shown; stopping the publisher shows it off air', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    publishers.push(startPublisher(server.rtmpUrl(server.demoKey), { width: 640, height: 360, fps: 15 }));
    await page.goto(server.baseUrl);
    await page.waitForSelector('.card[data-id="demo"] .badge.live', { timeout: 30_000 });
    await page.click('.card[data-id="demo"] a');
    await waitFor('live playback', async () => (await currentTime(page)) > 1, 30_000, 200);
    await waitFor('the latency to be reported', async () => Number((await page.$eval('#latency', (e) => (e as HTMLElement).dataset.seconds)) || 0) > 0, 15_000, 250);
    assert.match(await page.textContent('#latency') ?? '', /^LIVE · low latency · \d+\.\d s$/, 'LL-HLS by default (LIVE_HLS=both)');
    assert.equal(await page.isVisible('#jump-live'), true);
    await screenshot(page, 'live');
    await publishers[0]!.kill('SIGKILL');
    await page.waitForSelector('#offline', { state: 'visible', timeout: 40_000 });
    await screenshot(page, 'live-offline');
    await page.close();
  });
});

describe('web player: access expiry', () => {
  test('when the purchase ends during playback the player says so and offers to buy again', async () => {
    const server = await startServer({ LADDER: '240p:400k', SEGMENT_SECONDS: '1', ACCESS_HOURS: '0.004' });
    const key = (await createChannel(server, 'premium', { title: 'premium live', priceCents: 199 })).streamKey;
    const publisher = startPublisher(server.rtmpUrl(key), { width: 320, height: 240, fps: 15 });
    const browser = await launchChromium();
    try {
      await waitFor('the channel on air', async () => /channel="premium",state="live"/.test(await (await server.get('/metrics')).text()), 30_000);
      const page = await browser.newPage();
      await buyOnWatchPage(page, server.baseUrl, 'premium');
      await page.waitForSelector('#video:not([hidden])');
      await waitFor('playback', async () => (await currentTime(page)) > 0.5, 30_000, 200);
      await page.waitForFunction(() => document.body.dataset.state === 'expired', null, { timeout: 40_000 });
      assert.match(await page.textContent('#buy-panel') ?? '', /Your access has ended/);
      assert.match(await page.textContent('#status') ?? '', /expired/);
      await screenshot(page, 'expired');
    } finally {
      await browser.close();
      await publisher.kill('SIGKILL');
      await server.stop();
    }
  });
});
