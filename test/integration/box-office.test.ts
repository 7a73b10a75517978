import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { createStripeClient, createStripeGateway, STRIPE_API_VERSION } from '../../server/boxoffice/stripe-gateway.ts';
import { createChannel } from '../../server/admin/channel-routes.ts';
import { buildTestApp, staticLive, testKeys } from '../helpers/app.ts';
import { startStripeDouble, type StripeDouble } from '../helpers/stripe-double.ts';

const WHSEC = 'whsec_test_boxoffice';
const HOST = 'localhost:8080';
const HOUR = 3600_000;

describe('box office with Stripe (real SDK, local double of Stripe API)', () => {
  let double: StripeDouble;
  let stripe: Stripe;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let app: FastifyInstance;
  let now = Date.parse('2026-11-21T12:00:00Z');
  const keys = testKeys();
  const env = { STRIPE_SECRET_KEY: 'sk_test_boxoffice', STRIPE_WEBHOOK_SECRET: WHSEC };

  const build = async (dataDir?: string): Promise<void> => {
    t = await buildTestApp({
      live: staticLive(),
      keys,
      now: () => now,
      env: { ...env, STRIPE_API_URL: double.url },
      ...(dataDir ? { dataDir } : {}),
      payments: (_purchases, config) => ({ stripe, gateway: createStripeGateway(stripe, { accessHours: config.accessHours, now: () => now }) }),
    });
    app = t.app;
    if (!t.channels.get('other')) createChannel(t.channels, { id: 'other', title: 'Other', priceCents: 300 });
  };

  before(async () => {
    double = await startStripeDouble();
    stripe = createStripeClient('sk_test_boxoffice', double.url);
    await build();
  });
  after(async () => {
    await t.close();
    await double.close();
  });

  /** A new viewer: the cookie the origin sets on first visit. */
  const newViewer = async (): Promise<string> => {
    const res = await app.inject({ url: '/', headers: { host: HOST } });
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    assert.match(cookie, /^bo_viewer=v_/);
    return cookie;
  };
  const checkout = (cookie: string, itemId: string): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'POST', url: '/api/checkout', headers: { host: HOST, cookie }, payload: { itemId } });
  const playback = (cookie: string, itemId = 'paid'): Promise<LightMyRequestResponse> => app.inject({ url: `/api/playback/${itemId}`, headers: { host: HOST, cookie } });
  /** Delivers an event the way Stripe does: JSON body, signed with the SDK's own test-header helper. */
  const deliver = (event: unknown, secret = WHSEC): Promise<LightMyRequestResponse> => {
    const payload = JSON.stringify(event);
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) });
    return app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload });
  };
  /** A viewer with a checkout for `itemId` that the buyer has paid at Stripe (no webhook yet). */
  const paidCheckout = async (itemId = 'paid'): Promise<{ cookie: string; session: ReturnType<StripeDouble['pay']> }> => {
    const cookie = await newViewer();
    const res = await checkout(cookie, itemId);
    assert.equal(res.statusCode, 200, res.body);
    const id = /cs_test_\d+/.exec(res.json().url)![0];
    return { cookie, session: double.pay(id) };
  };
  const completed = (session: unknown, createdSeconds = Math.floor(now / 1000)) => double.event('checkout.session.completed', session, createdSeconds);

  test('the catalog lists channels with title, price, currency, free and on-air state', async () => {
    const res = await app.inject({ url: '/api/catalog', headers: { host: HOST } });
    assert.equal(res.statusCode, 200);
    const items = res.json().items as Array<Record<string, unknown>>;
    assert.deepEqual(items.find((i) => i.id === 'paid'), { id: 'paid', kind: 'live', title: 'Paid', priceCents: 500, currency: 'usd', free: false, online: true });
    assert.equal(items.find((i) => i.id === 'demo')?.free, true);
  });

  test('checkout creates a Stripe session with the right amount, metadata and return URLs', async () => {
    const cookie = await newViewer();
    const viewerId = cookie.split('=')[1]!.split('.')[0];
    const res = await checkout(cookie, 'paid');
    assert.equal(res.statusCode, 200);
    assert.match(res.json().url, /^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const sent = double.requests.at(-1)!;
    assert.equal(sent.path, '/v1/checkout/sessions');
    assert.equal(sent.headers['stripe-version'], STRIPE_API_VERSION, 'the API version is pinned');
    assert.equal(sent.form.mode, 'payment');
    assert.deepEqual(sent.form.line_items, { 0: { quantity: '1', price_data: { currency: 'usd', unit_amount: '500', product_data: { name: 'Paid', description: '24 hours of access' } } } });
    assert.deepEqual(sent.form.metadata, { viewerId, itemId: 'paid' });
    assert.equal(sent.form.client_reference_id, viewerId);
    assert.equal(sent.form.success_url, 'http://localhost:8080/watch/paid?session_id={CHECKOUT_SESSION_ID}');
    assert.equal(sent.form.cancel_url, 'http://localhost:8080/watch/paid');
  });

  test('checkout refuses unknown and free items and malformed bodies, creating nothing', async () => {
    const cookie = await newViewer();
    const before = double.requests.length;
    assert.equal((await checkout(cookie, 'nope')).json().error, 'unknown_item');
    assert.equal((await checkout(cookie, 'demo')).json().error, 'item_is_free');
    assert.equal((await app.inject({ method: 'POST', url: '/api/checkout', headers: { host: HOST, cookie }, payload: { itemId: 42 } })).statusCode, 400);
    assert.equal(double.requests.length, before, 'no session was created at Stripe');
  });

  test('playback is 402 before payment, 200 after a signed checkout.session.completed, and opens only that item', async () => {
    const { cookie, session } = await paidCheckout();
    const before = await playback(cookie);
    assert.equal(before.statusCode, 402);
    assert.equal(before.json().error, 'payment_required');
    assert.deepEqual(before.json().checkout, { method: 'POST', url: '/api/checkout', body: { itemId: 'paid' } });

    const res = await deliver(completed(session));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { received: true, duplicate: false });

    const after = await playback(cookie);
    assert.equal(after.statusCode, 200);
    const { url, expiresAt } = after.json();
    assert.equal(expiresAt, new Date(now + 24 * HOUR).toISOString(), 'access runs ACCESS_HOURS from the payment');
    assert.match(url, /^http:\/\/localhost:8080\/live\/paid\/q\/master\.m3u8\?Policy=/);
    const cookies = ([] as string[]).concat(after.headers['set-cookie'] as string[]);
    assert.deepEqual(cookies.map((c) => c.split('=')[0]!).filter((n) => n.startsWith('CloudFront-')).sort(), ['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    assert.ok(cookies.filter((c) => c.startsWith('CloudFront-')).every((c) => c.includes('Path=/live/paid/') && c.includes('HttpOnly')));

    const query = url.slice(url.indexOf('?'));
    assert.equal((await app.inject({ url: `/live/paid/q/master.m3u8${query}`, headers: { host: HOST } })).statusCode, 200, 'the URL opens the video');
    assert.equal((await app.inject({ url: `/live/paid/rabcd/240p/0.ts${query}`, headers: { host: HOST } })).statusCode, 200, 'and its segments');
    assert.equal((await app.inject({ url: `/live/other/q/master.m3u8${query}`, headers: { host: HOST } })).statusCode, 403, 'and nothing else');
    assert.equal(t.purchases.bySession(session.id)?.email, 'buyer@example.com');
  });

  test('the same event again, or another event for the same session, grants nothing more', async () => {
    const { cookie, session } = await paidCheckout();
    const event = completed(session);
    await deliver(event);
    const first = t.purchases.bySession(session.id);
    assert.deepEqual((await deliver(event)).json(), { received: true, duplicate: true });
    now += 1000;
    await deliver(double.event('checkout.session.async_payment_succeeded', session));
    assert.deepEqual(t.purchases.bySession(session.id), first, 'one purchase, unchanged');
    assert.equal((await playback(cookie)).json().expiresAt, new Date(first!.expiresAt).toISOString());
  });

  test('a forged, missing or stale signature is 400 and grants nothing; other content types are refused', async () => {
    const { cookie, session } = await paidCheckout();
    const event = completed(session);
    const forged = await deliver(event, 'whsec_attacker');
    assert.equal(forged.statusCode, 400);
    assert.equal(forged.json().error, 'bad_signature');
    const payload = JSON.stringify(event);
    assert.equal((await app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/json' }, payload })).statusCode, 400);
    const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    assert.equal((await app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/json', 'stripe-signature': stale }, payload })).statusCode, 400);
    const tamperedBody = payload.replace('"paid"', '"paid" ');
    const sigForOriginal = stripe.webhooks.generateTestHeaderString({ payload, secret: WHSEC });
    assert.equal((await app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/json', 'stripe-signature': sigForOriginal }, payload: tamperedBody })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'text/plain', 'stripe-signature': sigForOriginal }, payload })).statusCode, 415);
    assert.equal(t.purchases.bySession(session.id), undefined);
    assert.equal((await playback(cookie)).statusCode, 402);
  });

  test('a full refund revokes at once; a partial one does not; a dispute revokes', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(completed(session));
    assert.equal((await playback(cookie)).statusCode, 200);
    const charge = { id: 'ch_1', object: 'charge', payment_intent: session.payment_intent, amount: 500, amount_refunded: 100, refunded: false };
    await deliver(double.event('charge.refunded', charge));
    assert.equal((await playback(cookie)).statusCode, 200, 'a partial refund leaves the purchase');
    await deliver(double.event('charge.refunded', { ...charge, amount_refunded: 500, refunded: true }));
    assert.equal((await playback(cookie)).statusCode, 402);
    assert.equal(t.purchases.bySession(session.id)?.revokeReason, 'refunded');

    const disputed = await paidCheckout();
    await deliver(completed(disputed.session));
    await deliver(double.event('charge.dispute.created', { id: 'dp_1', object: 'dispute', charge: 'ch_2', payment_intent: disputed.session.payment_intent }));
    assert.equal((await playback(disputed.cookie)).statusCode, 402);
  });

  test('a grant arriving after its refund does not resurrect it', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(double.event('charge.refunded', { id: 'ch_3', object: 'charge', payment_intent: session.payment_intent, refunded: true }));
    await deliver(completed(session));
    assert.equal((await playback(cookie)).statusCode, 402);
    assert.ok(t.purchases.bySession(session.id)?.revokedAt, 'recorded, and revoked');
  });

  test('a payment event delivered late (after the access would have ended) grants nothing playable', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(completed(session, Math.floor((now - 25 * HOUR) / 1000)));
    assert.equal((await playback(cookie)).statusCode, 402);
  });

  test('fault 5: webhooks delivered twice, out of order and late give exactly the right access, never double, never resurrected', async () => {
    // twice, hours apart: Stripe's retry of the same event, and new events for the same payment
    const { cookie, session } = await paidCheckout();
    const paidAt = now;
    const event = completed(session);
    assert.deepEqual((await deliver(event)).json(), { received: true, duplicate: false });
    now += 12 * HOUR;
    assert.deepEqual((await deliver(event)).json(), { received: true, duplicate: true });
    assert.deepEqual((await deliver(completed(session))).json(), { received: true, duplicate: false });
    await deliver(double.event('checkout.session.async_payment_succeeded', session));
    const expiresAt = new Date(paidAt + 24 * HOUR).toISOString();
    assert.equal((await playback(cookie)).json().expiresAt, expiresAt, 'still 24 h from the payment: not 36, not 48');
    now = paidAt + 24 * HOUR + 1000;
    assert.equal((await playback(cookie)).statusCode, 402, 'and it ends then');

    // late: the same payment's events again after the access ended resurrect nothing
    await deliver(event);
    await deliver(completed(session));
    assert.equal((await playback(cookie)).statusCode, 402, 'an expired purchase stays expired');
    assert.equal(t.purchases.bySession(session.id)?.expiresAt, paidAt + 24 * HOUR, 'one purchase, never extended');

    // late first delivery: a payment whose access would already have ended, then a retry of it created later
    const late = await paidCheckout();
    await deliver(completed(late.session, Math.floor((now - 25 * HOUR) / 1000)));
    await deliver(completed(late.session));
    assert.equal((await playback(late.cookie)).statusCode, 402, 'access runs from the payment, not from the delivery');

    // out of order: the refund and the dispute before the payment they undo, each then delivered twice
    const refunded = await paidCheckout();
    await deliver(double.event('charge.refunded', { id: 'ch_5', object: 'charge', payment_intent: refunded.session.payment_intent, amount: 500, amount_refunded: 500, refunded: true }));
    const grant = completed(refunded.session);
    await deliver(grant);
    await deliver(grant);
    assert.equal((await playback(refunded.cookie)).statusCode, 402);
    const disputed = await paidCheckout();
    await deliver(double.event('charge.dispute.created', { id: 'dp_5', object: 'dispute', charge: 'ch_6', payment_intent: disputed.session.payment_intent }));
    await deliver(completed(disputed.session));
    await deliver(double.event('checkout.session.async_payment_succeeded', disputed.session));
    assert.equal((await playback(disputed.cookie)).statusCode, 402);

    // out of order the other way: a partial refund arriving after the full one does not reopen access
    const both = await paidCheckout();
    await deliver(completed(both.session));
    const charge = { id: 'ch_7', object: 'charge', payment_intent: both.session.payment_intent, amount: 500 };
    await deliver(double.event('charge.refunded', { ...charge, amount_refunded: 500, refunded: true }));
    await deliver(double.event('charge.refunded', { ...charge, amount_refunded: 100, refunded: false }));
    assert.equal((await playback(both.cookie)).statusCode, 402);
    assert.equal(t.purchases.bySession(both.session.id)?.revokeReason, 'refunded');
  });

  test('returning to the success URL confirms the session with Stripe at once (no webhook needed)', async () => {
    const { cookie, session } = await paidCheckout();
    const page = await app.inject({ url: `/watch/paid?session_id=${session.id}`, headers: { host: HOST, cookie } });
    assert.equal(page.statusCode, 200);
    assert.equal((await playback(cookie)).statusCode, 200);
    const unpaid = await newViewer();
    const open = (await checkout(unpaid, 'paid')).json().url.split('/').at(-1);
    await app.inject({ url: `/watch/paid?session_id=${open}`, headers: { host: HOST, cookie: unpaid } });
    assert.equal((await playback(unpaid)).statusCode, 402, 'an unpaid session grants nothing');
    assert.equal((await app.inject({ url: '/watch/paid?session_id=cs_test_unknown', headers: { host: HOST } })).statusCode, 200, 'an unknown session still shows the page');
  });

  test('a forged viewer cookie is a new viewer, not the buyer', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(completed(session));
    const forged = cookie.replace(/\.[A-Za-z0-9_-]{43}$/, `.${'A'.repeat(43)}`);
    assert.equal((await playback(forged)).statusCode, 402);
  });

  test('access ends ACCESS_HOURS after payment, and the signed URL with it', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(completed(session));
    const { url } = (await playback(cookie)).json();
    const query = url.slice(url.indexOf('?'));
    now += 24 * HOUR - 1000;
    assert.equal((await playback(cookie)).statusCode, 200);
    assert.equal((await app.inject({ url: `/live/paid/q/master.m3u8${query}`, headers: { host: HOST } })).statusCode, 200);
    now += 2000;
    assert.equal((await playback(cookie)).statusCode, 402);
    assert.equal((await app.inject({ url: `/live/paid/q/master.m3u8${query}`, headers: { host: HOST } })).statusCode, 403);
  });

  test('restarting keeps every entitlement', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(completed(session));
    assert.equal((await playback(cookie)).statusCode, 200);
    const dataDir = t.dataDir;
    await t.close(true);
    await build(dataDir);
    assert.equal((await playback(cookie)).statusCode, 200, 'after a restart on the same data folder');
    assert.equal(t.purchases.bySession(session.id)?.viewerId, cookie.split('=')[1]!.split('.')[0]);
  });

  test('a buyer whose playback URL cannot be signed gets 503 with the reason, and keeps the access', async () => {
    const { cookie, session } = await paidCheckout();
    await deliver(completed(session));
    await t.grants.close();
    const res = await playback(cookie);
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { error: 'signing_unavailable', message: 'the playback URL could not be signed; try again' });
    const dataDir = t.dataDir;
    await t.close(true);
    await build(dataDir);
    assert.equal((await playback(cookie)).statusCode, 200, 'the access is still there once signing is back');
  });

  test('checkout is rate-limited per viewer', async () => {
    const cookie = await newViewer();
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await checkout(cookie, 'paid')).statusCode);
    assert.deepEqual(codes.slice(0, 10), Array(10).fill(200));
    assert.equal(codes[11], 429);
  });
});
