import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { startEdge, type Edge } from '../helpers/edge.ts';
import { makeClip } from '../helpers/media.ts';
import { freePort, startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'edge-player-secret-0123456789abcdef';
const CHANNEL = 'edge-live';
const VIEWPORT = { width: 1000, height: 800 };
/** A signed URL's query: Policy, Signature and Key-Pair-Id, in any order. */
const SIGNED = /^(?=.*[?&]Policy=[^&]+)(?=.*[?&]Signature=[^&]+)(?=.*[?&]Key-Pair-Id=[^&]+)/;
const SEGMENT = /\.(ts|m4s)$/; // TS segments, LL-HLS segments and parts

/** One HLS answer a page got: where it went, its status, and the edge's cache header. */
interface HlsResponse {
  readonly url: string;
  readonly status: number;
  readonly cache: string | undefined;
}

/** Records every playlist and segment response the page gets (redirects included). */
function recordHls(page: Page): HlsResponse[] {
  const seen: HlsResponse[] = [];
  page.on('response', (r) => {
    if (/\.(m3u8|ts|m4s|mp4)(\?|$)/.test(r.url())) seen.push({ url: r.url(), status: r.status(), cache: r.headers()['x-cache'] });
  });
  return seen;
}

/** The paths of the segments among `seen`. */
const segmentPaths = (seen: readonly HlsResponse[]): Set<string> => new Set(seen.map((s) => new URL(s.url).pathname).filter((p) => SEGMENT.test(p)));

/** The plain master (DVR or LL-HLS master) playlist next to a signed `q/` one, with no query: what a cookie-only player loads. */
const plainMaster = (signedUrl: string): string => signedUrl.split('?')[0]!.replace(/\/q\/(master|dvr|ll)\.m3u8$/, '/$1.m3u8');

/** Makes /api/playback answer the plain master URL (its Set-Cookie kept), so hls.js relies on the signed cookies. */
async function answerPlainUrls(page: Page): Promise<void> {
  await page.route('**/api/playback/**', async (route) => {
    const response = await route.fetch();
    if (response.status() !== 200) return route.fulfill({ response });
    const body = (await response.json()) as { url: string; dvrUrl?: string; llUrl?: string };
    const dvr = body.dvrUrl === undefined ? {} : { dvrUrl: plainMaster(body.dvrUrl) };
    const ll = body.llUrl === undefined ? {} : { llUrl: plainMaster(body.llUrl) };
    await route.fulfill({ response, json: { ...body, url: plainMaster(body.url), ...dvr, ...ll } });
  });
}

/** Opens an item's watch page at the edge and buys it through the demo checkout; the player then starts. */
async function buyInPlayer(page: Page, edge: Edge, itemId: string): Promise<void> {
  await page.goto(`${edge.baseUrl}/watch/${itemId}`);
  await page.waitForSelector('#buy-panel');
  await page.click('#buy');
  await page.waitForURL(/\/demo-checkout\//);
  assert.ok(page.url().startsWith(`${edge.baseUrl}/`), `the checkout stays on the edge: ${page.url()}`);
  await page.click('text=Complete demo purchase');
  await page.waitForURL(new RegExp(`^${edge.baseUrl}/watch/${itemId}`));
  await page.waitForSelector('#video:not([hidden])');
}

/** Every HLS answer came from the edge (nginx's X-Cache) and succeeded; redirects only for VOD's unversioned master. */
function assertAllFromEdge(seen: readonly HlsResponse[], edge: Edge): void {
  assert.ok(seen.length > 0, 'the player made HLS requests');
  for (const s of seen) {
    assert.ok(s.url.startsWith(`${edge.baseUrl}/`), `${s.url} went to the edge`);
    assert.ok(s.cache !== undefined, `${s.url} was answered by the edge`);
    const redirect = s.status === 302 && /^\/vod\/[^/]+\/(q\/)?master\.m3u8$/.test(new URL(s.url).pathname);
    assert.ok(s.status === 200 || redirect, `${s.url}: ${s.status}`);
  }
}

/** Waits until the video plays past `seconds` or reaches its end. */
const playsPast = (page: Page, seconds: number, what: string): Promise<boolean> =>
  waitFor(what, async () => (await currentTime(page)) > seconds || (await page.$eval('#video', (v) => (v as HTMLVideoElement).ended)), 30_000, 200);

describe('the web player behind a CloudFront-like edge (nginx): paid live and VOD, signed URLs and cookies', () => {
  let server: TestServer;
  let edge: Edge;
  let browser: Browser;
  let vodId: string;
  const publishers: Child[] = [];
  const contexts: BrowserContext[] = [];
  const live: HlsResponse[][] = [];
  const vod: HlsResponse[][] = [];

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    contexts.push(context);
    return context.newPage();
  };

  before(async () => {
    const edgePort = await freePort();
    server = await startServer({ PUBLIC_URL: `http://127.0.0.1:${edgePort}`, ENFORCE_SIGNATURES: 'false', TRUST_PROXY: 'true', ORIGIN_SECRET: SECRET, LADDER: '240p:300k,120p:100k' });
    const admin = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', 'x-origin-secret': SECRET };
    const key = (await createChannel(server, CHANNEL, { title: 'Edge live', priceCents: 300, headers: { 'x-origin-secret': SECRET } })).streamKey;
    edge = await startEdge({ originPort: server.httpPort, dataDir: server.dataDir, originSecret: SECRET, port: edgePort });
    publishers.push(startPublisher(server.rtmpUrl(key)));
    const media = path.join(server.dataDir, 'media', 'videos');
    fs.mkdirSync(media, { recursive: true });
    await makeClip(path.join(media, 'edge.mp4'), { seconds: 4, width: 320, height: 240, fps: 15 });
    const created = await fetch(`${server.baseUrl}/api/admin/videos`, { method: 'POST', headers: admin, body: JSON.stringify({ source: 'videos/edge.mp4', title: 'Edge clip', priceCents: 200 }) });
    assert.equal(created.status, 202, await created.clone().text());
    const { id, jobId } = (await created.json()) as { id: string; jobId: string };
    vodId = id;
    browser = await launchChromium();
    await waitFor('packaging', async () => ((await (await fetch(`${server.baseUrl}/api/admin/jobs/${jobId}`, { headers: admin })).json()) as { state: string }).state === 'done', 60_000, 200);
    await waitFor('the paid channel on air', async () => (await fetch(`${server.baseUrl}/live/${CHANNEL}/240p.m3u8`, { headers: { 'x-origin-secret': SECRET } })).status === 200, 30_000, 200);
  });
  after(async () => {
    await browser?.close();
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await edge?.stop();
    await server?.stop();
  });

  test('live, signed URL: bought in the player, hls.js plays the q/ playlists through the edge, the signature on every request', async () => {
    const page = await newPage();
    const seen = recordHls(page);
    live.push(seen);
    await buyInPlayer(page, edge, CHANNEL);
    await waitFor('live playback past 2 s', async () => (await currentTime(page)) > 2, 30_000, 200);
    // from here on only the signed URL opens anything: the cookies the playback answer set are gone
    await page.context().clearCookies({ name: /^CloudFront-/ });
    assert.deepEqual((await page.context().cookies()).filter((c) => c.name.startsWith('CloudFront-')), []);
    const [mark, at] = [seen.length, await currentTime(page)];
    await waitFor('playback to go on with the signed URL alone', async () => (await currentTime(page)) > at + 2 && segmentPaths(seen.slice(mark)).size > 0, 20_000, 200);
    await screenshot(page, 'edge-live-signed-url');
    assertAllFromEdge(seen, edge);
    for (const s of seen) {
      assert.match(s.url, SIGNED, `${s.url} carries the signature`);
      if (s.url.includes('.m3u8')) assert.match(new URL(s.url).pathname, new RegExp(`^/live/${CHANNEL}/q/`), 'the signed-URL playlists');
    }
    // the page keeps playing: the next viewer shares its segments at the edge
  });

  test('live, signed cookies only: the plain playlists open at the edge with the CloudFront-* cookies, no signature in any URL', async () => {
    const page = await newPage();
    await answerPlainUrls(page);
    const seen = recordHls(page);
    live.push(seen);
    await buyInPlayer(page, edge, CHANNEL);
    await waitFor('live playback past 2 s', async () => (await currentTime(page)) > 2, 30_000, 200);
    const cookies = (await page.context().cookies(edge.baseUrl + `/live/${CHANNEL}/`)).map((c) => c.name).sort();
    assert.deepEqual(cookies.filter((c) => c.startsWith('CloudFront-')), ['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    await screenshot(page, 'edge-live-cookies');
    assertAllFromEdge(seen, edge);
    // hls.js starts from the plain LL-HLS master (the player's DVR probe of dvr.m3u8 may come first)
    assert.equal(seen.find((s) => /\/(master|ll)\.m3u8/.test(s.url))?.url, `${edge.baseUrl}/live/${CHANNEL}/ll.m3u8`);
    assert.ok(seen.some((s) => /\/ll-\d+p\.m3u8\?_HLS_msn=\d+/.test(s.url) && s.status === 200), 'blocking reloads pass the edge');
    for (const s of seen) {
      assert.doesNotMatch(s.url, /Signature=/, s.url);
      assert.doesNotMatch(new URL(s.url).pathname, /\/q\//, s.url);
    }
    await page.context().close(); // both live viewers are done: stop the load
    await contexts[0]!.close();
  });

  test('VOD, signed URL: bought and played to the end through the edge, the signature on every request', async () => {
    const page = await newPage();
    const seen = recordHls(page);
    vod.push(seen);
    await buyInPlayer(page, edge, vodId);
    // the edge sends no query to the origin (nor would CloudFront), so a redirect could not carry the signature:
    // the versioned q/ master must be reached with the signature on it
    const versioned = await waitFor('the versioned master playlist', () => seen.find((s) => /^\/vod\/[^/]+\/[0-9a-f]{16}\/q\/master\.m3u8$/.test(new URL(s.url).pathname)), 15_000);
    assert.match(versioned.url, SIGNED, `${new URL(versioned.url).pathname} was requested with the signature`);
    await playsPast(page, 3, 'the VOD past 3 s with the signed URL');
    await screenshot(page, 'edge-vod-signed-url');
    assertAllFromEdge(seen, edge);
    for (const s of seen) assert.match(s.url, SIGNED, `${s.url} carries the signature`);
    await page.context().close();
  });

  test('VOD, signed cookies only: another browser plays the plain playlists to the end through the edge', async () => {
    const page = await newPage();
    await answerPlainUrls(page);
    const seen = recordHls(page);
    vod.push(seen);
    await buyInPlayer(page, edge, vodId);
    await playsPast(page, 3, 'the VOD past 3 s with cookies');
    await screenshot(page, 'edge-vod-cookies');
    assertAllFromEdge(seen, edge);
    assert.ok(segmentPaths(seen).size > 0);
    for (const s of seen) assert.doesNotMatch(s.url, /Signature=/, s.url);
    await page.context().close();
  });

  test('a browser that did not buy: the buy panel (402), and the channel\'s master playlist is refused at the edge with CloudFront\'s XML', async () => {
    const page = await newPage();
    const playback = page.waitForResponse((r) => r.url().startsWith(`${edge.baseUrl}/api/playback/`));
    await page.goto(`${edge.baseUrl}/watch/${CHANNEL}`);
    assert.equal((await playback).status(), 402);
    await page.waitForSelector('#buy-panel');
    assert.equal(await page.$eval('#video', (v) => (v as HTMLVideoElement).currentTime), 0);
    await screenshot(page, 'edge-buy-panel');
    const fetched = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, body: await res.text() };
    }, `${edge.baseUrl}/live/${CHANNEL}/master.m3u8`);
    assert.equal(fetched.status, 403);
    assert.match(fetched.body, /<Code>AccessDenied<\/Code>/);
    const direct = await page.goto(`${edge.baseUrl}/live/${CHANNEL}/q/master.m3u8`);
    assert.equal(direct?.status(), 403);
    assert.match(direct?.headers()['content-type'] ?? '', /xml/);
    assert.match(await direct!.text(), /<Error><Code>AccessDenied<\/Code>/);
    await page.context().close();
  });

  test('the edge\'s access log: each segment both viewers played came from the origin once (one MISS, then HITs)', () => {
    const hits = edge.hits();
    for (const [what, [a, b]] of [['live', live], ['VOD', vod]] as const) {
      const shared = [...segmentPaths(a!)].filter((p) => segmentPaths(b!).has(p));
      assert.ok(shared.length > 0, `the two ${what} viewers played some of the same segments`);
      for (const p of shared) {
        const served = hits.filter((h) => h.uri === p && h.status === 200).map((h) => h.cache);
        assert.equal(served.filter((c) => c === 'MISS').length, 1, `${p}: ${served.join(',')}`);
        assert.ok(served.length >= 2 && served.slice(1).every((c) => c === 'HIT'), `${p}: ${served.join(',')}`);
      }
    }
    // 499 is nginx's "the client closed the request": a player leaving while its LL-HLS blocking reload is held
    assert.deepEqual(hits.filter((h) => /^\/(live|vod)\//.test(h.uri) && h.status >= 400 && h.status !== 499 && !h.uri.endsWith('master.m3u8')), [], 'no segment or media playlist was refused');
  });
});
