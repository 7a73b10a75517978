import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { buildTestApp, staticLive } from '../helpers/app.ts';
import { runTs } from '../helpers/cli.ts';

const HOST = 'localhost:8080';

describe('demo checkout (no Stripe keys)', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  before(async () => {
    t = await buildTestApp({ live: staticLive() });
  });
  after(() => t.close());

  const viewer = async (): Promise<string> => String((await t.app.inject({ url: '/', headers: { host: HOST } })).headers['set-cookie']).split(';')[0]!;

  test('buys and unlocks an item end to end, saying plainly that no money moves', async () => {
    const cookie = await viewer();
    assert.equal((await t.app.inject({ url: '/api/playback/paid', headers: { host: HOST, cookie } })).statusCode, 402);
    const started = await t.app.inject({ method: 'POST', url: '/api/checkout', headers: { host: HOST, cookie }, payload: { itemId: 'paid' } });
    assert.equal(started.statusCode, 200);
    const url = new URL(started.json().url);
    assert.match(url.pathname, /^\/demo-checkout\/demo_[A-Za-z0-9_-]{22}$/);

    const page = await t.app.inject({ url: url.pathname, headers: { host: HOST, cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /No money moves/);
    assert.match(page.body, /5\.00 USD for 24 hours of access/);
    assert.equal((await t.app.inject({ url: url.pathname, headers: { host: HOST, cookie: await viewer() } })).statusCode, 404, 'another viewer cannot see or complete it');

    // exactly what the page's form makes a browser send
    const form = { host: HOST, cookie, 'content-type': 'application/x-www-form-urlencoded' };
    const paid = await t.app.inject({ method: 'POST', url: url.pathname, headers: form, payload: '' });
    assert.equal(paid.statusCode, 303);
    assert.equal(paid.headers.location, `/watch/paid?session_id=${url.pathname.split('/').at(-1)}`);
    const back = await t.app.inject({ url: paid.headers.location as string, headers: { host: HOST, cookie } });
    assert.equal(back.statusCode, 200);

    const playback = await t.app.inject({ url: '/api/playback/paid', headers: { host: HOST, cookie } });
    assert.equal(playback.statusCode, 200);
    const signed = playback.json().url as string;
    assert.equal((await t.app.inject({ url: signed.replace('http://localhost:8080', ''), headers: { host: HOST } })).statusCode, 200, 'the signed URL opens the video');
    const again = await t.app.inject({ method: 'POST', url: url.pathname, headers: form, payload: '' });
    assert.equal(again.statusCode, 303, 'completing twice is harmless');
    assert.equal(t.purchases.activeForViewer(cookie.split('=')[1]!.split('.')[0]!, Date.now()).size, 1);
  });

  test('free items play without a purchase', async () => {
    const res = await t.app.inject({ url: '/api/playback/demo', headers: { host: HOST } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { url: 'http://localhost:8080/live/demo/master.m3u8', dvrUrl: 'http://localhost:8080/live/demo/dvr.m3u8', llUrl: 'http://localhost:8080/live/demo/ll.m3u8', expiresAt: null });
    assert.equal((await t.app.inject({ url: '/api/playback/nope', headers: { host: HOST } })).json().error, 'unknown_item');
  });

  test('the webhook endpoint says Stripe is not configured', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'stripe_not_configured');
  });

  test('it is refused in production mode', async () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), (e: Error) => e instanceof ConfigError && /STRIPE_SECRET_KEY is required when NODE_ENV=production/.test(e.message));
    const res = await runTs('server/main.ts', [], { NODE_ENV: 'production', DATA_DIR: t.dataDir, HTTP_PORT: '1' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /demo checkout moves no money/);
  });
});
