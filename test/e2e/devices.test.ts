import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { currentTime, launchChromium, screenshot } from '../helpers/browser.ts';
import { makeClip } from '../helpers/media.ts';
import { addVideo, startServer, type TestServer } from '../helpers/server.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { waitFor } from '../helpers/wait.ts';

const EMAIL = 'viewer@example.com';

describe('buy once, watch on other devices: pairing codes, QR links, emailed sign-in links, a device limit', () => {
  let server: TestServer;
  let smtp: SmtpSink;
  let browser: Browser;
  let videoId: string;
  let buyer: Page;
  const contexts: BrowserContext[] = [];

  /** A fresh browser: another device. */
  const device = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    contexts.push(context);
    return context.newPage();
  };
  /** Waits for the watch page to play the video. */
  const plays = (page: Page, what: string): Promise<boolean> => waitFor(what, async () => (await currentTime(page)) > 0.5, 30_000, 200);
  /** A new pairing code from the buyer's watch page. */
  const newCode = async (): Promise<string> => {
    const before = await buyer.textContent('#pair-code').catch(() => null);
    await buyer.click('#pair-device');
    return waitFor('a new pairing code', async () => {
      const code = await buyer.textContent('#pair-code').catch(() => null);
      return code && code !== before ? code : undefined;
    });
  };
  /** Opens `/pair#<code>` (what scanning the QR code does) on a new device; resolves with the page's status text. */
  const pairByLink = async (code: string): Promise<{ page: Page; said: string }> => {
    const page = await device();
    await page.goto(`${server.baseUrl}/pair#${code.replace('-', '')}`);
    const said = await waitFor('the pairing outcome', async () => {
      const text = (await page.textContent('#status')) ?? '';
      return /Done|not|already/.test(text) ? text : undefined;
    });
    return { page, said };
  };
  const admin = (p: string, init: RequestInit = {}): Promise<Response> => fetch(`${server.baseUrl}${p}`, { ...init, headers: { authorization: `Bearer ${server.adminToken}` } });

  before(async () => {
    smtp = await startSmtpSink();
    server = await startServer({ SMTP_URL: smtp.url, SMTP_FROM: 'Tickets <tickets@example.com>', MAX_DEVICES_PER_PURCHASE: '6' });
    const media = path.join(server.dataDir, 'media', 'videos');
    fs.mkdirSync(media, { recursive: true });
    await makeClip(path.join(media, 'gig.mp4'), { seconds: 4, width: 320, height: 240, fps: 15 });
    videoId = await addVideo(server, 'videos/gig.mp4', 'The gig', 300);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.stop();
  });

  test('bought in one browser, a second pairs by its code in the buy panel and plays; the QR link pairs a third; a used code is refused', async () => {
    buyer = await device();
    await buyer.goto(`${server.baseUrl}/watch/${videoId}`);
    await buyer.click('#buy');
    await buyer.waitForURL(/\/demo-checkout\//);
    await buyer.fill('input[name=email]', EMAIL);
    await buyer.click('text=Complete demo purchase');
    await plays(buyer, 'playback on the buying browser');
    const code = await newCode();
    assert.match(code, /^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    assert.ok(await buyer.isVisible('#pair-qr'), 'the QR code is shown');
    assert.match((await buyer.getAttribute('#pair-qr', 'src')) ?? '', /^data:image\/svg\+xml/);
    assert.match((await buyer.textContent('#pairing')) ?? '', new RegExp(`${server.baseUrl}/pair.*once, for 10 minutes`));
    await screenshot(buyer, 'devices-pairing-code');

    const phone = await device();
    await phone.goto(`${server.baseUrl}/watch/${videoId}`);
    await phone.waitForSelector('#buy-panel');
    await phone.fill('#code', code.toLowerCase());
    await phone.click('#use-code');
    await plays(phone, 'playback on the paired browser');
    await screenshot(phone, 'devices-paired-by-code');

    const tv = await pairByLink(await newCode());
    assert.match(tv.said, /Done/);
    assert.equal(new URL(tv.page.url()).hash, '', 'the code leaves the address bar');
    await tv.page.waitForSelector('#opened >> text=The gig', { timeout: 10_000 }); // listed after "Done" is said
    await tv.page.click('#opened >> text=The gig');
    await plays(tv.page, 'playback on the browser paired by the QR link');

    const again = await pairByLink(code);
    assert.match(again.said, /does not work.*once/, 'a code works once');
    await again.page.goto(`${server.baseUrl}/watch/${videoId}`);
    await again.page.waitForSelector('#buy-panel');
  });

  test('the emailed sign-in link, read from the SMTP server, signs a browser in; it works once; no secret in the log', async () => {
    const laptop = await device();
    await laptop.goto(`${server.baseUrl}/watch/${videoId}`);
    await laptop.waitForSelector('#email');
    await laptop.fill('#email', 'Viewer@Example.com');
    await laptop.click('#email-link');
    await waitFor('the request to be taken', async () => /on its way/.test((await laptop.textContent('#status')) ?? ''));
    const [mail] = await waitFor('the mail at the SMTP server', async () => {
      const all = await smtp.messages();
      return all.length > 0 ? all : undefined;
    });
    assert.equal(String(mail!.headers.get('x-envelope-to')).toLowerCase(), EMAIL, 'to the address the purchase was paid with');
    assert.match(mail!.from?.text ?? '', /tickets@example\.com/);
    assert.match(mail!.text ?? '', /The gig/);
    const link = /(http\S+\/signin#[A-Za-z0-9_-]{43})/.exec(mail!.text ?? '')?.[1];
    assert.ok(link, mail!.text);
    await laptop.goto(link);
    await waitFor('signed in', async () => /Done/.test((await laptop.textContent('#status')) ?? ''));
    await laptop.click('text=The gig');
    await plays(laptop, 'playback on the browser signed in by email');
    await screenshot(laptop, 'devices-signed-in-by-email');

    const other = await device();
    await other.goto(link);
    await waitFor('the used link refused', async () => /does not work/.test((await other.textContent('#status')) ?? ''));
    const token = link.split('#')[1]!;
    assert.ok(!server.output().includes(token), 'the link token is not logged');
    assert.ok(!server.output().includes(smtp.password), 'the SMTP password is not logged');
  });

  test('a seventh device is refused with a clear message; the operator lists the devices, removes one, and the same code then works', async () => {
    // on the purchase: the buyer, the phone, the TV, the laptop: two more fill it
    for (let i = 0; i < 2; i++) assert.match((await pairByLink(await newCode())).said, /Done/);
    const code = await newCode();
    const seventh = await pairByLink(code);
    assert.match(seventh.said, /“The gig” is already open on 6 devices, the most one purchase allows/);
    await screenshot(seventh.page, 'devices-limit-reached');

    const list = (await (await admin(`/api/admin/purchases?item=${videoId}`)).json()) as { purchases: Array<{ sessionId: string; email: string; devices: Array<{ id: string; via: string; revokedAt: string | null }> }> };
    const [purchase] = list.purchases;
    assert.equal(purchase!.email, EMAIL);
    assert.deepEqual(purchase!.devices.map((d) => d.via), ['checkout', 'code', 'code', 'email', 'code', 'code']);
    const tvDevice = purchase!.devices[2]!;
    assert.equal((await admin(`/api/admin/purchases/${purchase!.sessionId}/devices/${tvDevice.id}`, { method: 'DELETE' })).status, 204);

    await seventh.page.fill('#code', code);
    await seventh.page.click('#use-code');
    await waitFor('the same code accepted', async () => /Done/.test((await seventh.page.textContent('#status')) ?? ''));
    const after = (await (await admin(`/api/admin/purchases/${purchase!.sessionId}/devices`)).json()) as { devices: Array<{ id: string; revokedAt: string | null }> };
    assert.equal(after.devices.filter((d) => d.revokedAt === null).length, 6);
    assert.ok(after.devices.find((d) => d.id === tvDevice.id)?.revokedAt, 'the removed device stays listed as removed');
  });
});
