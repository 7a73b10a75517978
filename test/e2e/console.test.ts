import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Route } from 'playwright';
import { buyOnWatchPage, launchChromium, screenshot } from '../helpers/browser.ts';
import { makeClip } from '../helpers/media.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { addVideo, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Bytes per upload chunk the server is started with: a small clip goes up in several. */
const CHUNK = 65_536;

describe('operator console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let paidId: string;
  let work: string;
  const contexts: BrowserContext[] = [];
  const publishers: Child[] = [];
  /** CSP refusals and script errors on any console page. */
  const violations: string[] = [];

  /** A fresh browser (own cookies) whose pages report CSP refusals and script errors into `violations`. */
  const newContext = async (): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    context.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && violations.push(m.text()));
    context.on('page', (p) => p.on('pageerror', (e) => violations.push(`${p.url()}: ${e.message}`)));
    return context;
  };
  /** The admin API with the bearer token. */
  const adminApi = async <T,>(p: string): Promise<T> => (await fetch(`${server.baseUrl}${p}`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json() as Promise<T>;
  /** Signs in on the console's form and waits for the nav bar. */
  const signIn = async (p: Page): Promise<void> => {
    await p.fill('#signin-token', server.adminToken);
    await p.click('#signin');
    await p.waitForSelector('#nav', { state: 'visible' });
  };
  /** The text of a cell of a row. */
  const cell = async (p: Page, row: string, name: string): Promise<string> => ((await p.textContent(`${row} [data-cell="${name}"]`)) ?? '').trim();
  /** Whether an image has loaded a picture. */
  const loaded = (p: Page, selector: string): Promise<boolean> => p.$eval(selector, (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0).catch(() => false);
  /** Goes to a console page through its nav link. */
  const open = async (name: string): Promise<void> => {
    await page.click(`#nav a[data-page="${name}"]`);
    await page.waitForURL(`**/admin/${name}`);
  };

  before(async () => {
    server = await startServer({ LADDER: '240p:400k,180p:250k', UPLOAD_CHUNK_BYTES: String(CHUNK) });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-console-'));
    const media = path.join(server.dataDir, 'media', 'videos');
    fs.mkdirSync(media, { recursive: true });
    await makeClip(path.join(media, 'paid.mp4'), { seconds: 3, width: 320, height: 240, fps: 15 });
    await makeClip(path.join(work, 'concert.mp4'), { seconds: 4, width: 320, height: 240, fps: 15 });
    await makeClip(path.join(work, 'encore.mp4'), { seconds: 4, width: 320, height: 240, fps: 15, pattern: 'mandelbrot' });
    paidId = await addVideo(server, 'videos/paid.mp4', 'Paid clip', 300);
    browser = await launchChromium();
    admin = await newContext();
    await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    page = await admin.newPage();
    await page.goto(`${server.baseUrl}/admin`);
    await signIn(page);
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('sign-in: a wrong token is refused, the right one opens the console, a reload keeps it, an ended session and signing out return to the form', async () => {
    const context = await newContext();
    const p = await context.newPage();
    await p.goto(`${server.baseUrl}/admin`);
    await p.waitForSelector('#signin-token');
    assert.equal(await p.isVisible('#nav'), false, 'no nav before signing in');
    await p.fill('#signin-token', 'not-the-token');
    await p.click('#signin');
    await p.waitForSelector('#signin-message:has-text("That is not the admin token.")');
    await screenshot(p, 'console-signin-refused');
    await signIn(p);
    await p.waitForSelector('#channels');
    await screenshot(p, 'console-signed-in');
    await p.reload();
    await p.waitForSelector('#nav', { state: 'visible' });
    await p.waitForSelector('#channels');
    assert.equal(await p.isVisible('#signin-token'), false, 'a reload keeps the session');

    // the session ends elsewhere (here: closed with the cookie and CSRF token from outside): the next poll shows the form
    const cookieOf = async (): Promise<string> => (await context.cookies()).find((c) => c.name === 'bo_admin')!.value;
    const first = await cookieOf();
    const { csrfToken } = (await (await fetch(`${server.baseUrl}/api/admin/session`, { headers: { cookie: `bo_admin=${first}` } })).json()) as { csrfToken: string };
    const closed = await fetch(`${server.baseUrl}/api/admin/session`, { method: 'DELETE', headers: { cookie: `bo_admin=${first}`, 'x-csrf-token': csrfToken } });
    assert.equal(closed.status, 204);
    await p.waitForSelector('#signin-message:has-text("Your session ended; sign in again.")', { timeout: 10_000 });
    assert.equal(await p.isVisible('#nav'), false);
    await screenshot(p, 'console-session-ended');

    await signIn(p);
    const cookie = await cookieOf();
    await p.click('#signout');
    await p.waitForSelector('#signin-token');
    assert.equal(await p.isVisible('#nav'), false);
    assert.equal((await p.request.get(`${server.baseUrl}/api/admin/channels`)).status(), 401, "the page's browser is signed out");
    const replayed = await fetch(`${server.baseUrl}/api/admin/channels`, { headers: { cookie: `bo_admin=${cookie}` } });
    assert.equal(replayed.status, 401, 'the old cookie no longer opens anything: the session is closed on the server');
    await screenshot(p, 'console-signed-out');
    await context.close();
  });

  test('channels: create one in the form, off air; a publisher with the key shown turns it LIVE with figures and a thumbnail; price change; a new key', async () => {
    await open('channels');
    await page.fill('#channel-name', 'studio');
    await page.fill('#channel-title', 'Studio live');
    await page.fill('#channel-price', '4.99');
    await page.click('#channel-create');
    const row = 'tr[data-channel="studio"]';
    const detail = page.locator('tr[data-channel-detail="studio"]');
    await page.waitForSelector(row);
    assert.equal(await cell(page, row, 'state'), 'off air');
    assert.equal(await cell(page, row, 'price'), '$4.99');
    assert.match(await cell(page, row, 'title'), /^Studio live\s*studio$/);
    assert.equal(await detail.locator('details').getAttribute('open'), '', 'the new channel’s settings are open');
    const key = await detail.locator('input[data-obs="streamKey"]').inputValue();
    assert.match(key, /^sk_/);
    assert.match(await detail.locator('input[data-obs="server"]').inputValue(), /^rtmp:\/\/127\.0\.0\.1(:\d+)?\/cfx\/st$/);
    assert.match(await detail.locator('input[data-obs="rtmptServer"]').inputValue(), /^rtmpt:\/\//);
    await detail.locator('button[data-copy="streamKey"]').click();
    await waitFor('"Copied"', async () => (await detail.locator('button[data-copy="streamKey"]').textContent()) === 'Copied', 5000);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key, 'the key is on the clipboard');
    await screenshot(page, 'console-channel-created');

    publishers.push(startPublisher(server.rtmpUrl(key), { width: 320, height: 240, fps: 15 }));
    await waitFor('the row to turn LIVE', async () => (await cell(page, row, 'state')) === 'LIVE', 30_000, 250);
    await waitFor('a realtime factor', async () => /^\d+\.\d\d×$/.test(await cell(page, row, 'realtime')), 30_000, 250);
    await waitFor('the thumbnail', () => loaded(page, 'img[data-thumbnail="studio"]'), 30_000, 250);
    assert.match(await cell(page, row, 'bitrate'), /^\d+ kb\/s$/);
    await screenshot(page, 'console-channel-live');

    await detail.locator('input[data-edit="price"]').fill('2.50');
    await detail.locator('button[data-action="save"]').click();
    await waitFor('the new price in the row', async () => (await cell(page, row, 'price')) === '$2.50', 10_000);
    const listed = async () => (await adminApi<{ channels: Array<{ id: string; priceCents: number; streamKey: string }> }>('/api/admin/channels')).channels.find((c) => c.id === 'studio')!;
    assert.equal((await listed()).priceCents, 250);

    let asked = '';
    page.once('dialog', (d) => void ((asked = d.message()), d.accept()));
    await detail.locator('button[data-action="rotate"]').click();
    const rotated = await waitFor('a different key', async () => {
      const shown = await detail.locator('input[data-obs="streamKey"]').inputValue();
      return shown !== key ? shown : undefined;
    }, 10_000);
    assert.match(asked, /new stream key/);
    assert.match(rotated, /^sk_/);
    assert.equal((await listed()).streamKey, rotated, 'the key shown is the channel’s key');
    await screenshot(page, 'console-channel-rotated');
    await publishers.pop()!.kill('SIGKILL');
  });

  /** Uploads `file` through the form (title, price) and waits for the upload and its packaging; the video id and bucket key. */
  const uploadThroughForm = async (file: string, title: string, price: string): Promise<{ videoId: string; key: string }> => {
    await page.fill('#upload-title', title);
    await page.fill('#upload-price', price);
    await page.click('#upload-start');
    await waitFor('the upload to reach 100 %', async () => (await page.textContent('#upload-percent')) === '100 %', 60_000, 100);
    assert.equal(await page.$eval('#upload-progress', (p) => (p as HTMLProgressElement).value), 1);
    await waitFor('the packaging to finish', async () => {
      const state = await page.$eval('.progress-line:has(#packaging-progress)', (n) => (n as HTMLElement).dataset.state);
      if (state === 'failed') throw new Error(`packaging failed: ${await page.textContent('#packaging-text')}`);
      return state === 'done';
    }, 90_000, 250);
    assert.match((await page.textContent('#packaging-text')) ?? '', /Packaged/);
    const videoId = (await page.getAttribute('#upload-result', 'data-video-id'))!;
    const key = (await page.getAttribute('#upload-result', 'data-key'))!;
    assert.match(key, new RegExp(`^uploads/[^/]+/${path.basename(file).replace('.', '\\.')}$`));
    assert.ok(fs.readFileSync(path.join(server.dataDir, 'media', key)).equals(fs.readFileSync(file)), 'the bucket holds exactly the bytes of the file');
    await page.waitForSelector(`tr[data-video="${videoId}"][data-state="done"]`, { timeout: 10_000 });
    await waitFor('the poster', () => loaded(page, `tr[data-video="${videoId}"] img.poster`), 15_000, 250);
    return { videoId, key };
  };
  /** Only the chunk PUTs of uploads. */
  const isChunk = (url: URL): boolean => url.pathname.startsWith('/api/admin/uploads/') && url.searchParams.has('offset');

  test('videos: a clip uploads in chunks through the file input, one failed chunk is retried, then packages and is listed with a poster', async () => {
    const file = path.join(work, 'concert.mp4');
    const size = fs.statSync(file).size;
    assert.ok(size > 3 * CHUNK, `the clip (${size} bytes) takes several chunks`);
    await open('videos');
    const offsets: number[] = [];
    let failed: number | undefined;
    const handler = async (route: Route): Promise<void> => {
      const offset = Number(new URL(route.request().url()).searchParams.get('offset'));
      offsets.push(offset);
      if (failed === undefined && offsets.length === 2) {
        failed = offset;
        return route.abort('failed');
      }
      return route.continue();
    };
    await page.route(isChunk, handler);
    await page.setInputFiles('#upload-file', file);
    assert.equal(await page.inputValue('#upload-title'), 'concert', 'the title comes from the file name');
    const { videoId } = await uploadThroughForm(file, 'Concert', '3.50');
    await page.unroute(isChunk, handler);
    assert.equal(failed, CHUNK, 'the second chunk failed once');
    assert.equal(offsets.filter((o) => o === CHUNK).length, 2, `the failed chunk was sent again (${offsets.join(', ')})`);
    assert.equal(offsets.length, Math.ceil(size / CHUNK) + 1);
    const row = `tr[data-video="${videoId}"]`;
    assert.match(await cell(page, row, 'title'), /^Concert/);
    assert.equal(await cell(page, row, 'price'), '$3.50');
    assert.equal(await cell(page, row, 'duration'), '0:04');
    assert.equal(await cell(page, row, 'state'), 'ready');
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('boxoffice.upload:')).length), 0, 'a finished upload is forgotten');
    await screenshot(page, 'console-upload-done');
  });

  test('videos: an upload cut off (network gone, then a reload) resumes where the server stopped when the same file is picked again', async () => {
    const file = path.join(work, 'encore.mp4');
    assert.ok(fs.statSync(file).size > 3 * CHUNK, 'the clip takes several chunks');
    await open('videos');
    let passed = 0;
    const stall = async (route: Route): Promise<void> => (passed++ < 2 ? route.continue() : route.abort('failed')); // the network goes after two chunks
    await page.route(isChunk, stall);
    await page.setInputFiles('#upload-file', file);
    await page.fill('#upload-title', 'Encore');
    await page.click('#upload-start');
    const uploadId = await waitFor('the upload to be remembered', () =>
      page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('boxoffice.upload:encore.mp4:'))?.[1]).then((v) => v && (JSON.parse(v) as { uploadId: string }).uploadId));
    await waitFor('two chunks on the server', async () => (await adminApi<{ received: number }>(`/api/admin/uploads/${uploadId}`)).received === 2 * CHUNK);
    await page.reload(); // while the page is retrying
    await page.unroute(isChunk, stall);
    await page.waitForSelector('#upload-file');
    const offsets: number[] = [];
    page.on('request', (r) => r.method() === 'PUT' && isChunk(new URL(r.url())) && offsets.push(Number(new URL(r.url()).searchParams.get('offset'))));
    await page.setInputFiles('#upload-file', file);
    await page.waitForSelector('#upload-hint:has-text("carries on where it stopped")');
    await screenshot(page, 'console-upload-resume');
    const { key } = await uploadThroughForm(file, 'Encore', '');
    assert.equal(offsets[0], 2 * CHUNK, `the upload resumed after the bytes the server had (${offsets.join(', ')})`);
    assert.match(key, new RegExp(`^uploads/${uploadId}/`), 'the same upload was finished');
  });

  test('sales: a viewer’s purchase shows as paid in the list and the totals; Refund ends their access; the CSV export holds it', async () => {
    const viewerContext = await newContext();
    const viewer = await viewerContext.newPage();
    await buyOnWatchPage(viewer, server.baseUrl, paidId);
    const playback = (): Promise<number> => viewer.evaluate(async (id) => (await fetch(`/api/playback/${id}`)).status, paidId);
    assert.equal(await playback(), 200, 'the viewer may watch');
    const sale = (await adminApi<{ purchases: Array<{ sessionId: string; itemId: string }> }>('/api/admin/sales')).purchases.find((p) => p.itemId === paidId)!;
    assert.ok(sale, 'the purchase is in the sales');

    await open('sales');
    const row = `tr[data-session="${sale.sessionId}"]`;
    await page.waitForSelector(`${row}[data-state="paid"]`);
    const text = (await page.textContent(row)) ?? '';
    assert.match(text, /Paid clip/);
    assert.match(text, /\$3\.00/);
    assert.match(text, /running/);
    const totals = async (selector: string): Promise<string[]> => page.$$eval(`${selector} td`, (tds) => tds.map((td) => td.textContent ?? ''));
    assert.deepEqual(await totals(`#totals-by-item tr[data-item="${paidId}"]`), ['Paid clip', '1', '0', '$3.00', '$3.00']);
    const day = (await page.getAttribute('#totals-by-day tbody tr[data-day]', 'data-day'))!;
    assert.match(day, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual((await totals(`#totals-by-day tr[data-day="${day}"]`)).slice(1), ['1', '0', '$3.00', '$3.00']);
    await screenshot(page, 'console-sales-paid');

    let asked = '';
    page.once('dialog', (d) => void ((asked = d.message()), d.accept()));
    await page.click(`${row} button[data-action="refund"]`);
    await page.waitForSelector(`${row}[data-state="refunded"]`, { timeout: 10_000 });
    assert.match(asked, /Refund \$3\.00/);
    assert.equal(await page.$(`${row} button[data-action="refund"]`), null, 'no second refund');
    assert.deepEqual(await totals(`#totals-by-item tr[data-item="${paidId}"]`), ['Paid clip', '1', '1', '$3.00', '$0.00']);
    assert.equal(await playback(), 402, 'the refunded viewer has to pay again');
    await screenshot(page, 'console-sales-refunded');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.match(download.suggestedFilename(), /^sales-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const line = csv.split('\r\n').find((l) => l.includes(sale.sessionId));
    assert.ok(line, csv);
    assert.match(line, new RegExp(`${paidId},Paid clip,.*,3\\.00,USD,refunded,`));
    await viewerContext.close();
  });

  test('health: the signing key id, disk figures, ingest ports and job counts', async () => {
    await open('health');
    const health = await adminApi<{ signing: { keyPairId: string }; disk: { path: string }; ingest: { rtmpPorts: number[] }; jobs: { done: number } }>('/api/admin/health');
    await waitFor('the signing key id', async () => (await page.textContent('#health-signing')) === health.signing.keyPairId);
    assert.match((await page.textContent('#health-disk')) ?? '', /^\d+(\.\d)? (B|KiB|MiB|GiB|TiB|PiB) free of \d+(\.\d)? (KiB|MiB|GiB|TiB|PiB)$/);
    assert.equal(await page.textContent('#health-disk-path'), health.disk.path);
    assert.equal(await page.textContent('#health-rtmp'), health.ingest.rtmpPorts.join(', '));
    assert.equal(Number(await page.textContent('#health-done')), health.jobs.done);
    assert.ok(health.jobs.done >= 1, 'the videos packaged so far');
    assert.match((await page.textContent('#health-uptime')) ?? '', /^\d+ (s|min)$|^\d+ h \d+ min$/);
    await screenshot(page, 'console-health');
  });

  test('every page runs within its CSP without script errors; the session cookie is HttpOnly and SameSite=Strict', async () => {
    for (const name of ['channels', 'videos', 'sales', 'health']) {
      const res = await page.goto(`${server.baseUrl}/admin/${name}`);
      assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.waitForSelector('#nav', { state: 'visible' });
      await page.waitForSelector('main h1');
    }
    assert.deepEqual(violations, [], 'no CSP refusal or script error on any console page');
    const cookie = (await admin.cookies()).find((c) => c.name === 'bo_admin');
    assert.ok(cookie, 'the session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
  });
});
