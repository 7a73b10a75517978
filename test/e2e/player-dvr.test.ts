import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright';
import { buyOnWatchPage, currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Seconds the channel's DVR range holds now: its DVR master's first media playlist, EXTINF summed (throws naming the status if refused). */
async function dvrSeconds(server: TestServer, channel: string): Promise<number> {
  const master = await server.get(`/live/${channel}/dvr.m3u8`);
  if (master.status !== 200) throw new Error(`/live/${channel}/dvr.m3u8 answered ${master.status}`);
  const variant = (await master.text()).split('\n').find((l) => l !== '' && !l.startsWith('#'))!;
  const media = await server.get(`/live/${channel}/${variant}`);
  if (media.status !== 200) throw new Error(`/live/${channel}/${variant} answered ${media.status}`);
  return (await media.text()).split('\n').filter((l) => l.startsWith('#EXTINF:')).reduce((sum, l) => sum + Number.parseFloat(l.slice(8)), 0);
}

/** How far the playing position's program date (PROGRAM-DATE-TIME) is behind this machine's clock, in seconds. */
async function behindWallClock(page: Page): Promise<number> {
  const date = Number(await page.$eval('#latency', (e) => (e as HTMLElement).dataset.programDate));
  assert.ok(date > 0, 'the page exposes the playing program date');
  return (Date.now() - date) / 1000;
}

/** Waits until the video has played `seconds` more from where it is now (it plays, not only stands there). */
async function playsOn(page: Page, what: string, seconds = 2): Promise<void> {
  const from = await currentTime(page);
  await waitFor(what, async () => (await currentTime(page)) > from + seconds, 20_000, 200);
}

const dvrSource = (page: Page): Promise<string | undefined> => page.$eval('#dvr', (e) => (e as HTMLElement).dataset.source);

describe('live DVR (time-shift) in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  const publishers: Child[] = [];

  before(async () => {
    server = await startServer({ LADDER: '240p:400k,180p:250k', SEGMENT_SECONDS: '2' });
    publishers.push(startPublisher(server.rtmpUrl(server.demoKey), { width: 320, height: 240, fps: 15 }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server?.stop();
  });

  test('a paid channel: without a purchase its DVR playlists are refused; after one the player reads them', async () => {
    const key = (await createChannel(server, 'boxseat', { title: 'Box seat', priceCents: 299 })).streamKey;
    const publisher = startPublisher(server.rtmpUrl(key), { width: 320, height: 240, fps: 15 });
    publishers.push(publisher);
    await waitFor('the paid channel on air', async () => /channel="boxseat",state="live"/.test(await (await server.get('/metrics')).text()), 30_000, 250);
    assert.equal((await server.get('/api/playback/boxseat')).status, 402);
    for (const p of ['dvr.m3u8', 'q/dvr.m3u8', 'dvr-240p.m3u8', 'q/dvr-240p.m3u8']) {
      assert.equal((await server.get(`/live/boxseat/${p}`)).status, 403, `/live/boxseat/${p} without a signature`);
    }
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    const dvrRequests: string[] = [];
    page.on('response', (r) => /\/dvr(-\w+)?\.m3u8/.test(r.url()) && dvrRequests.push(`${r.status()} ${r.url()}`));
    await buyOnWatchPage(page, server.baseUrl, 'boxseat');
    await waitFor('the bought channel to play', async () => (await currentTime(page)) > 1, 30_000, 200);
    await page.waitForSelector('#dvr:not([hidden])', { timeout: 15_000 });
    assert.ok(dvrRequests.length >= 2 && dvrRequests.every((r) => /^200 .*\/q\/dvr(-\w+)?\.m3u8\?/.test(r) && /[?&]Policy=[^&]+/.test(r) && /&Signature=[^&]+/.test(r) && /&Key-Pair-Id=/.test(r)), dvrRequests.join('\n'));
    await context.close();
    await publisher.kill('SIGKILL');
  });

  test('seeking back 60 s plays from the DVR range; "Jump to live" comes back to the hot playlists', async () => {
    // the show must have run long enough that 60 s back is well inside the DVR range
    await waitFor('70 s in the DVR range', async () => (await dvrSeconds(server, 'demo')) >= 70, 150_000, 2000);
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const violations: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text()));
    const playlists: string[] = [];
    page.on('request', (r) => /\.m3u8/.test(r.url()) && playlists.push(new URL(r.url()).pathname));
    await page.goto(`${server.baseUrl}/watch/demo`);
    await waitFor('live playback', async () => (await currentTime(page)) > 1, 30_000, 200);
    await page.waitForSelector('#dvr:not([hidden])', { timeout: 15_000 });
    assert.equal(await page.getAttribute('#dvr-seek', 'type'), 'range');
    assert.match(await page.textContent('label[for="dvr-seek"]') ?? '', /\S/, 'the seek bar has a label');
    assert.ok(Number(await page.getAttribute('#dvr-seek', 'min')) <= -70, 'the bar reaches back over the DVR range');
    await playsOn(page, 'live playback to go on');
    const atLive = await behindWallClock(page);
    assert.ok(atLive > 0 && atLive < 15, `at first within 15 s of live (${atLive.toFixed(1)} s)`);
    assert.equal(await dvrSource(page), 'live');
    await waitFor('the bar to say LIVE', async () => (await page.textContent('#dvr-behind')) === 'LIVE', 5000, 200);
    const dvrReads = playlists.filter((p) => /\/dvr-\w+\.m3u8$/.test(p)).length;
    assert.ok(dvrReads <= 1, `live viewers read the hot playlists (the DVR media playlist was read ${dvrReads} times: once is to learn its range)`);
    assert.ok(playlists.some((p) => /\/live\/demo\/ll-(240p|180p)\.m3u8$/.test(p)), 'the hot playlists are the LL-HLS ones (LIVE_HLS=both)');

    await page.fill('#dvr-seek', '-60'); // sets the range input's value and fires input and change, as a drag does
    await waitFor('the switch to the DVR playlists', async () => (await dvrSource(page)) === 'dvr', 20_000, 200);
    await playsOn(page, 'playback from the DVR range', 3);
    const shifted = await behindWallClock(page);
    assert.ok(shifted >= 50 && shifted <= 80, `about 60 s behind after the seek (${shifted.toFixed(1)} s)`);
    assert.ok(playlists.filter((p) => /\/dvr-\w+\.m3u8$/.test(p)).length > dvrReads, 'hls.js reads the DVR media playlist');
    assert.match(await page.textContent('#dvr-behind') ?? '', /^-1:0\d$|^-0:5\d$/);
    await screenshot(page, 'live-dvr');

    await page.click('#jump-live');
    await waitFor('the switch back to the hot playlists', async () => (await dvrSource(page)) === 'live', 20_000, 200);
    await playsOn(page, 'live playback after jumping', 2);
    const back = await behindWallClock(page);
    assert.ok(back > 0 && back < 15, `back within 15 s of live (${back.toFixed(1)} s)`);
    await waitFor('the bar to say LIVE', async () => (await page.textContent('#dvr-behind')) === 'LIVE', 5000, 200);
    await screenshot(page, 'live-dvr-back');
    assert.deepEqual(violations, [], 'the time-shift bar runs within the page CSP');
    await page.close();
  });
});
