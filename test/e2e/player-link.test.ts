import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright';
import { pathTokenUrl } from '../../server/signing/path-token.ts';
import { createSigner } from '../../server/signing/signer.ts';
import { buyOnWatchPage, currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { makeClip } from '../helpers/media.ts';
import { probeStreams, type ProbedStream } from '../helpers/probe.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { addVideo, createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { tamperedLink } from '../helpers/path-token.ts';

const run = promisify(execFile);

/** The video streams of a live HLS URL as ffprobe decodes its first seconds (every variant of a master), as VLC would open it: no cookies. */
async function decodeLive(url: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-count_frames', '-read_intervals', '%+3', '-rw_timeout', '8000000',
    '-select_streams', 'v', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'json', url,
  ], { timeout: 30_000 });
  const json = JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; nb_read_frames?: string; width: number; height: number }> };
  return json.streams.map((s) => ({ type: s.codec_type, codec: s.codec_name, frames: Number(s.nb_read_frames ?? 0), width: s.width, height: s.height }));
}

/** Buys an item in a fresh browser context, then takes the watch page's "Copy link for VLC". */
async function copiedLink(browser: Browser, server: TestServer, itemId: string, name: string): Promise<string> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const page: Page = await context.newPage();
  try {
    await buyOnWatchPage(page, server.baseUrl, itemId);
    await waitFor('playback in the browser', async () => (await currentTime(page)) > 0.5, 30_000, 200);
    await page.click('#copy-link');
    await page.waitForSelector('#player-link:not([hidden])');
    assert.match(await page.textContent('#status') ?? '', /VLC/);
    await screenshot(page, name);
    return await page.inputValue('#player-link');
  } finally {
    await context.close();
  }
}

/** A signed URL of `folder`/`file` made with the origin's own key, valid until `expiresAt`. */
function signedWithOriginKey(server: TestServer, folder: string, file: string, expiresAt: Date): string {
  const dir = path.join(server.dataDir, 'signing');
  const keys = { keyPairId: fs.readFileSync(path.join(dir, 'key-pair-id'), 'utf8').trim(), privateKey: crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'private-key.pem'))) };
  return createSigner(keys, server.baseUrl).signFolder(folder, file, { expiresAt }).url;
}

/** A token signed with the origin's own key for `folder`, already expired. */
const expiredLink = (server: TestServer, folder: string, file: string): string =>
  pathTokenUrl(signedWithOriginKey(server, folder, file, new Date(Date.now() - 60_000)), `${server.baseUrl}${folder}`, file);

const require = createRequire(import.meta.url);
const VIDEO_JS = require.resolve('video.js/dist/video.min.js');
const VIDEO_JS_CSS = require.resolve('video.js/dist/video-js.min.css');

/**
 * Opens `url` in Video.js 8 (its VHS engine over MSE, as on desktop browsers) in a fresh context with no cookies,
 * on a blank page at the origin's own address (an operator's site with the origin behind the same CDN name);
 * returns the statuses of the requests it made.
 */
async function playInVideoJs(browser: Browser, server: TestServer, url: string): Promise<{ page: Page; requests: Array<{ url: string; status: number }> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: Array<{ url: string; status: number }> = [];
  page.on('response', (r) => requests.push({ url: r.url(), status: r.status() }));
  await page.route(`${server.baseUrl}/embed-test.html`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><video id="v" class="video-js" width="640" height="360" controls muted playsinline></video>' }));
  await page.goto(`${server.baseUrl}/embed-test.html`);
  await page.addStyleTag({ path: VIDEO_JS_CSS });
  await page.addScriptTag({ path: VIDEO_JS });
  await page.evaluate((src) => {
    const videojs = (window as unknown as { videojs: (id: string, o: object) => { src(s: object): void; play(): Promise<void> | undefined } }).videojs;
    const player = videojs('v', { html5: { vhs: { overrideNative: true } } });
    player.src({ src, type: 'application/x-mpegURL' });
    void player.play()?.catch(() => undefined);
  }, url);
  return { page, requests };
}

describe('"Copy link for VLC": the signature in the path, for players without variable substitution', () => {
  let server: TestServer;
  let browser: Browser;
  let videoId: string;
  const publishers: Child[] = [];
  /** The links the watch page gave, by item (the Video.js test reuses them). */
  const links = new Map<string, string>();

  before(async () => {
    server = await startServer({ LADDER: '240p:400k,180p:250k', SEGMENT_SECONDS: '2' });
    const { streamKey } = await createChannel(server, 'ppv', { title: 'Pay per view', priceCents: 199 });
    publishers.push(startPublisher(server.rtmpUrl(streamKey), { width: 320, height: 240, fps: 15 }));
    const media = path.join(server.dataDir, 'media', 'videos');
    fs.mkdirSync(media, { recursive: true });
    await makeClip(path.join(media, 'film.mp4'), { seconds: 6, width: 320, height: 240, fps: 15 });
    videoId = await addVideo(server, 'videos/film.mp4', 'Film', 250);
    browser = await launchChromium();
    await waitFor('the paid channel on air', async () => /channel="ppv",state="live"/.test(await (await server.get('/metrics')).text()), 30_000, 250);
  });
  after(async () => {
    await browser?.close();
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server?.stop();
  });

  test('a paid live channel: the link plays in ffprobe, every rung decoded, with no cookies and no EXT-X-DEFINE', async () => {
    const link = await copiedLink(browser, server, 'ppv', 'player-link-live');
    links.set('ppv', link);
    assert.match(link, new RegExp(`^${server.baseUrl}/live/ppv/s/[A-Za-z0-9_-]{100,}/master\\.m3u8$`));
    const master = await (await fetch(link)).text();
    assert.doesNotMatch(master, /EXT-X-DEFINE|\{\$/, 'plain playlists: relative URIs inherit the token');
    const media = await (await fetch(link.replace('master.m3u8', '180p.m3u8'))).text();
    assert.doesNotMatch(media, /EXT-X-DEFINE|\{\$|Policy=/);
    const streams = await decodeLive(link);
    assert.deepEqual(streams.map((s) => s.height).sort(), [180, 240], JSON.stringify(streams));
    assert.ok(streams.every((s) => s.codec === 'h264' && s.frames > 0), JSON.stringify(streams));
    for (const refused of [tamperedLink(link), expiredLink(server, '/live/ppv', 'master.m3u8')]) {
      const res = await fetch(refused);
      assert.equal(res.status, 403, refused);
      assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
    }
    const segment = media.split('\n').find((l) => l.endsWith('.ts'))!;
    assert.equal((await fetch(tamperedLink(link).replace('master.m3u8', segment))).status, 403, 'segments need the token too');
    assert.equal((await fetch(link.replace('master.m3u8', segment))).status, 200);
  });

  test('a paid video: the link plays start to end in ffprobe, every rung decoded; tampered and expired tokens get 403', async () => {
    const link = await copiedLink(browser, server, videoId, 'player-link-vod');
    links.set(videoId, link);
    assert.match(link, new RegExp(`^${server.baseUrl}/vod/${videoId}/s/[A-Za-z0-9_-]{100,}/[0-9a-f]{16}/master\\.m3u8$`));
    const streams = (await probeStreams(link)).filter((s) => s.type === 'video');
    assert.deepEqual(streams.map((s) => s.height).sort(), [180, 240], JSON.stringify(streams));
    assert.ok(streams.every((s) => s.frames >= 80), `the whole 6 s clip at 15 fps in every rung: ${JSON.stringify(streams)}`);
    for (const refused of [tamperedLink(link), expiredLink(server, `/vod/${videoId}`, link.split('/').slice(-2).join('/'))]) {
      const res = await fetch(refused);
      assert.equal(res.status, 403, refused);
    }
    // the unversioned form redirects into the current version and keeps the token in the path
    const unversioned = link.replace(/\/[0-9a-f]{16}\/master\.m3u8$/, '/master.m3u8');
    const redirect = await fetch(unversioned, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(new URL(redirect.headers.get('location')!, server.baseUrl).href, link);
  });

  test('Video.js (VHS) plays the link of a paid channel and of a paid video with no cookies; the q/ signed URL it cannot (it does not substitute QUERYPARAM)', async () => {
    const mediaTime = (page: Page): Promise<number> => page.$eval('video', (v) => (v as HTMLVideoElement).currentTime);
    for (const [itemId, name] of [['ppv', 'player-link-videojs-live'], [videoId, 'player-link-videojs-vod']] as const) {
      const link = links.get(itemId) ?? (await copiedLink(browser, server, itemId, `${name}-copied`));
      const { page, requests } = await playInVideoJs(browser, server, link);
      try {
        // a live timeline starts where the stream is, not at 0: playing means moving on from the first frame shown
        const start = await waitFor(`Video.js showing ${itemId}`, async () => (await mediaTime(page)) || undefined, 30_000, 100);
        await waitFor(`Video.js playing ${itemId}`, async () => (await mediaTime(page)) > start + 2, 30_000, 200);
        const segments = requests.filter((r) => /\/s\/[A-Za-z0-9_-]+\/.*\.ts$/.test(new URL(r.url).pathname));
        assert.ok(segments.length >= 2 && segments.every((r) => r.status === 200), JSON.stringify(requests.map((r) => `${r.status} ${r.url.slice(0, 140)}`)));
        await screenshot(page, name);
      } finally {
        await page.context().close();
      }
    }
    // the form hls.js plays: Video.js parses each playlist without its URL, so {$Policy} stays literal and is refused
    const signed = signedWithOriginKey(server, '/live/ppv', 'q/master.m3u8', new Date(Date.now() + 3600_000));
    const { page, requests } = await playInVideoJs(browser, server, signed);
    try {
      const child = await waitFor('Video.js to ask for a child playlist', () => requests.find((r) => /\/live\/ppv\/q\/\d+p\.m3u8/.test(r.url)), 15_000, 100);
      assert.match(decodeURIComponent(child.url), /Policy=\{\$Policy\}/, child.url);
      assert.equal(child.status, 403);
      assert.equal(await mediaTime(page), 0);
    } finally {
      await page.context().close();
    }
  });
});
