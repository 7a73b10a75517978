import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildTestApp, staticLive } from '../helpers/app.ts';

const HOST = 'localhost:8080';
const MINUTE = 60_000;
const ADMIN_ITEM = 'paid';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

/** The `bo_viewer=…` pair a response sets, or undefined. */
function viewerCookieOf(res: LightMyRequestResponse): string | undefined {
  const set = res.headers['set-cookie'];
  const all = Array.isArray(set) ? set : set === undefined ? [] : [String(set)];
  return all.map((c) => c.split(';')[0]!).find((c) => c.startsWith('bo_viewer='));
}

/** The viewer id inside a `bo_viewer=<id>.<mac>` cookie. */
const viewerIdOf = (cookie: string): string => cookie.split('=')[1]!.split('.')[0]!;

/** Requests against one test app, with the helpers every test here needs. */
function client(t: () => TestApp) {
  const inject = (opts: InjectOptions): Promise<LightMyRequestResponse> => t().app.inject(opts);
  const viewer = async (): Promise<string> => {
    const cookie = viewerCookieOf(await inject({ url: '/', headers: { host: HOST } }));
    assert.ok(cookie, 'the player page sets a viewer cookie');
    return cookie;
  };
  /** Buys the paid channel through the demo checkout (what its form posts); returns the checkout session id. */
  const buy = async (cookie: string, email?: string): Promise<string> => {
    const started = await inject({ method: 'POST', url: '/api/checkout', headers: { host: HOST, cookie }, payload: { itemId: 'paid' } });
    assert.equal(started.statusCode, 200, started.body);
    const pathname = new URL(started.json().url).pathname;
    const payload = email === undefined ? '' : new URLSearchParams({ email }).toString();
    const paid = await inject({ method: 'POST', url: pathname, headers: { host: HOST, cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload });
    assert.equal(paid.statusCode, 303, paid.body);
    return pathname.split('/').at(-1)!;
  };
  const playback = async (cookie?: string): Promise<number> =>
    (await inject({ url: '/api/playback/paid', headers: { host: HOST, ...(cookie ? { cookie } : {}) } })).statusCode;
  const pair = (cookie?: string) => inject({ method: 'POST', url: '/api/devices/pairing', headers: { host: HOST, ...(cookie ? { cookie } : {}) } });
  const newCode = async (cookie: string): Promise<string> => {
    const res = await pair(cookie);
    assert.equal(res.statusCode, 200, res.body);
    return res.json().code as string;
  };
  const claim = (payload: unknown, cookie?: string, remoteAddress?: string) =>
    inject({ method: 'POST', url: '/api/devices/claim', headers: { host: HOST, ...(cookie ? { cookie } : {}) }, payload: payload as object, ...(remoteAddress ? { remoteAddress } : {}) });
  /** An admin request with the admin token, another token, or (null) none. */
  const admin = (method: 'GET' | 'DELETE', url: string, token: string | null = t().adminToken) =>
    inject({ method, url, headers: { host: HOST, ...(token === null ? {} : { authorization: `Bearer ${token}` }) } });
  return { inject, viewer, buy, playback, pair, newCode, claim, admin };
}

describe('purchases on several devices, over HTTP', () => {
  let t: TestApp;
  let clock = Date.UTC(2026, 2, 1, 10, 0, 0);
  const c = client(() => t);
  before(async () => {
    t = await buildTestApp({ live: staticLive(), now: () => clock });
  });
  after(() => t.close());
  // claims share one address (inject's 127.0.0.1) and its 10-a-minute limit: each test starts a new minute
  beforeEach(() => {
    clock += MINUTE + 1000;
  });

  // the purchase the pairing tests make, and the admin tests inspect
  let buyer: string;
  let second: string;
  let session: string;

  test('a viewer with nothing running gets no pairing code', async () => {
    for (const cookie of [undefined, await c.viewer()]) {
      const res = await c.pair(cookie);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error, 'nothing_to_pair');
    }
  });

  test('the buyer shows a code; another browser claims it and plays; the code works once', async () => {
    buyer = await c.viewer();
    session = await c.buy(buyer, 'Buyer.One@Example.com');
    assert.equal(await c.playback(buyer), 200);
    clock += 1000;

    const res = await c.pair(buyer);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json() as { code: string; expiresAt: string; pairUrl: string; qrSvg: string };
    assert.deepEqual(Object.keys(body).sort(), ['code', 'expiresAt', 'pairUrl', 'qrSvg']);
    assert.match(body.code, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    assert.equal(body.expiresAt, new Date(clock + 10 * MINUTE).toISOString());
    assert.equal(body.pairUrl, `http://localhost:8080/pair#${body.code.replace('-', '')}`);
    assert.ok(body.qrSvg.startsWith('<svg'), body.qrSvg.slice(0, 40));
    assert.match(body.qrSvg, /<\/svg>\s*$/);
    assert.equal(await c.playback(), 402, 'a browser without a cookie cannot play yet');

    const claimed = await c.claim({ code: body.code });
    assert.equal(claimed.statusCode, 200, claimed.body);
    assert.deepEqual(claimed.json(), { items: ['paid'], full: [] });
    assert.equal(claimed.headers['cache-control'], 'no-store');
    const cookie = viewerCookieOf(claimed);
    assert.ok(cookie, 'the claim gives the new browser its viewer cookie');
    assert.notEqual(viewerIdOf(cookie), viewerIdOf(buyer));
    second = cookie;
    assert.equal(await c.playback(second), 200, 'the second browser plays');
    assert.equal(await c.playback(buyer), 200, 'and so does the buyer');

    for (const who of [second, await c.viewer()]) {
      const again = await c.claim({ code: body.code }, who);
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().error, 'invalid_code');
    }
    const third = await c.viewer();
    assert.equal((await c.claim({ code: body.code.toLowerCase() }, third)).json().error, 'invalid_code');
    assert.equal(await c.playback(third), 402);

    // a code as typed on another device: lower case, without the dash (a second later: devices list oldest first)
    clock += 1000;
    const typed = (await c.newCode(buyer)).toLowerCase().replace('-', ' ');
    const other = await c.viewer();
    assert.equal(await c.playback(other), 402, 'before the claim');
    const res2 = await c.claim({ code: typed }, other);
    assert.equal(res2.statusCode, 200, res2.body);
    assert.equal(viewerCookieOf(res2), undefined, 'a browser that has a cookie keeps it');
    assert.equal(await c.playback(other), 200);
  });

  test('a claim needs a code or a token', async () => {
    for (const payload of [{}, { code: 12345678 }, { token: 5 }, { email: 'a@b.co' }, { code: 'A'.repeat(33) }, { token: 't'.repeat(65) }, []]) {
      const res = await c.claim(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error, 'invalid_request', JSON.stringify(payload));
    }
    const noBody = await c.inject({ method: 'POST', url: '/api/devices/claim', headers: { host: HOST } });
    assert.equal(noBody.statusCode, 400);
    assert.equal(noBody.json().error, 'invalid_request');
  });

  test('guessing codes: 10 tries a minute from one address, then 429', async () => {
    const ip = '198.51.100.7';
    for (let i = 0; i < 10; i++) {
      const res = await c.claim({ code: `ZZZZ-ZZ${'23456789AB'[i]}Z` }, undefined, ip);
      assert.equal(res.statusCode, 400, `try ${i + 1}`);
      assert.equal(res.json().error, 'invalid_code');
    }
    const eleventh = await c.claim({ code: 'ZZZZ-ZZZZ' }, await c.viewer(), ip);
    assert.equal(eleventh.statusCode, 429);
    assert.equal(eleventh.json().error, 'rate_limited');
    const retryAfter = Number(eleventh.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${String(eleventh.headers['retry-after'])}`);

    // even a good code waits: the limit is on the address, not on wrong answers
    const good = await c.newCode(buyer);
    assert.equal((await c.claim({ code: good }, await c.viewer(), ip)).statusCode, 429);
    assert.equal((await c.claim({ code: 'ZZZZ-ZZZZ' }, undefined, '198.51.100.8')).json().error, 'invalid_code', 'another address is not limited');
    clock += MINUTE;
    const later = await c.claim({ code: good }, await c.viewer(), ip);
    assert.equal(later.statusCode, 200, `a minute later: ${later.body}`);
  });

  test('the admin lists purchases and their devices, and removes one', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await c.admin('GET', '/api/admin/purchases', token);
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error, 'unauthorized');
      assert.equal((await c.admin('GET', `/api/admin/purchases/${session}/devices`, token)).statusCode, 401);
      assert.equal((await c.admin('DELETE', `/api/admin/purchases/${session}/devices/d_x`, token)).statusCode, 401);
    }

    const all = await c.admin('GET', '/api/admin/purchases');
    assert.equal(all.statusCode, 200);
    assert.equal(all.headers['cache-control'], 'no-store');
    const listed = all.json() as { purchases: { sessionId: string; itemId: string; email: string | null; state: string; amountCents: number; devices: { id: string; via: string; revokedAt: string | null }[] }[]; maxDevicesPerPurchase: number };
    assert.equal(listed.maxDevicesPerPurchase, 5);
    const mine = listed.purchases.find((p) => p.sessionId === session);
    assert.ok(mine, 'the purchase is listed');
    assert.equal(mine.itemId, 'paid');
    assert.equal(mine.email, 'Buyer.One@Example.com', 'the address the demo form was given');
    assert.equal(mine.amountCents, 500);
    assert.equal(mine.state, 'running');
    // the buyer, the second browser, the one that typed a code, the one a minute after the rate limit
    assert.deepEqual(mine.devices.map((d) => d.via), ['checkout', 'code', 'code', 'code']);
    assert.ok(mine.devices.every((d) => /^d_[0-9a-f]{24}$/.test(d.id) && d.revokedAt === null));
    // no viewer id anywhere (checkout session ids are random base64url, so take them out before looking for `v_`)
    const scrubbed = listed.purchases.reduce((s, p) => s.split(p.sessionId).join('<session>'), all.body);
    assert.ok(!scrubbed.includes('v_'), 'a viewer id is in the admin listing');
    for (const cookie of [buyer, second]) assert.ok(!all.body.includes(viewerIdOf(cookie)));

    const byEmail = await c.admin('GET', '/api/admin/purchases?email=buyer.one%40example.com');
    assert.deepEqual((byEmail.json() as typeof listed).purchases.map((p) => p.sessionId), [session], 'filtered by email, any case');
    assert.deepEqual((await c.admin('GET', '/api/admin/purchases?email=nobody%40example.com')).json().purchases, []);
    assert.ok(((await c.admin('GET', `/api/admin/purchases?item=${ADMIN_ITEM}`)).json() as typeof listed).purchases.some((p) => p.sessionId === session));
    assert.deepEqual((await c.admin('GET', '/api/admin/purchases?item=demo')).json().purchases, []);

    const devicesRes = await c.admin('GET', `/api/admin/purchases/${session}/devices`);
    assert.equal(devicesRes.statusCode, 200);
    const devices = (devicesRes.json() as { devices: { id: string; via: string; revokedAt: string | null }[] }).devices;
    assert.deepEqual(devices, mine.devices);
    assert.ok(!devicesRes.body.includes('v_'));

    // devices are oldest first: the second one is the browser that claimed the first code
    const secondDevice = devices[1]!;
    const removed = await c.admin('DELETE', `/api/admin/purchases/${session}/devices/${secondDevice.id}`);
    assert.equal(removed.statusCode, 204);
    assert.equal(removed.body, '');
    assert.equal(await c.playback(second), 402, 'the removed browser lost access');
    assert.equal(await c.playback(buyer), 200, 'the buyer did not');
    const after = (await c.admin('GET', `/api/admin/purchases/${session}/devices`)).json().devices as { id: string; revokedAt: string | null }[];
    assert.equal(after.find((d) => d.id === secondDevice.id)?.revokedAt, new Date(clock).toISOString());
    assert.equal(after.filter((d) => d.revokedAt === null).length, 3);

    const twice = await c.admin('DELETE', `/api/admin/purchases/${session}/devices/${secondDevice.id}`);
    assert.equal(twice.statusCode, 404);
    assert.equal(twice.json().error, 'unknown_device');
    const unknownSession = await c.admin('GET', '/api/admin/purchases/cs_nope/devices');
    assert.equal(unknownSession.statusCode, 404);
    assert.equal(unknownSession.json().error, 'unknown_purchase');
    assert.equal((await c.admin('DELETE', `/api/admin/purchases/cs_nope/devices/${devices[2]!.id}`)).statusCode, 404, 'a device under another session id');
    assert.equal(await c.playback(second), 402);
  });

  test('without SMTP_URL there are no emailed links', async () => {
    const res = await c.inject({ method: 'POST', url: '/api/devices/email', headers: { host: HOST }, payload: { email: 'buyer.one@example.com' } });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error, 'email_not_configured');
    const catalog = await c.inject({ url: '/api/catalog', headers: { host: HOST } });
    assert.equal(catalog.statusCode, 200);
    assert.equal(catalog.json().emailLinks, false);
    assert.ok(Array.isArray(catalog.json().items));
  });
});

describe('the device limit over HTTP (MAX_DEVICES_PER_PURCHASE=2)', () => {
  let t: TestApp;
  const c = client(() => t);
  let clock = Date.UTC(2026, 2, 2, 10, 0, 0);
  before(async () => {
    t = await buildTestApp({ live: staticLive(), now: () => clock, env: { MAX_DEVICES_PER_PURCHASE: '2' } });
  });
  after(() => t.close());

  test('buyer + one fit; a third browser is told the title and the limit, and the code waits for a free place', async () => {
    const buyer = await c.viewer();
    const session = await c.buy(buyer);
    clock += 1000;
    const second = await c.viewer();
    assert.equal((await c.claim({ code: await c.newCode(buyer) }, second)).statusCode, 200);
    assert.equal(await c.playback(second), 200);

    const code = await c.newCode(buyer);
    const third = await c.viewer();
    const refused = await c.claim({ code }, third);
    assert.equal(refused.statusCode, 409, refused.body);
    const { error, message } = refused.json() as { error: string; message: string };
    assert.equal(error, 'device_limit');
    assert.match(message, /“Paid”/, 'names the item');
    assert.match(message, /\b2 devices\b/, 'says the limit');
    assert.equal(await c.playback(third), 402);
    const listed = (await c.admin('GET', `/api/admin/purchases/${session}/devices`)).json() as { devices: { id: string; via: string }[]; maxDevicesPerPurchase: number };
    assert.equal(listed.maxDevicesPerPurchase, 2);
    assert.deepEqual(listed.devices.map((d) => d.via), ['checkout', 'code']);

    // the refused claim did not use up the code: once the operator removes a device, the same code works
    assert.equal((await c.admin('DELETE', `/api/admin/purchases/${session}/devices/${listed.devices[1]!.id}`)).statusCode, 204);
    const retried = await c.claim({ code }, third);
    assert.equal(retried.statusCode, 200, retried.body);
    assert.deepEqual(retried.json(), { items: ['paid'], full: [] });
    assert.equal(await c.playback(third), 200);
    assert.equal(await c.playback(second), 402);
    assert.equal((await c.claim({ code }, second)).json().error, 'invalid_code', 'now it is used up');
  });
});
