import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.ts';

/** Sends a request line exactly as given (no client-side normalisation) and returns status, type and body. */
function rawGet(port: number, target: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), type: /content-type: ([^\r]+)/i.exec(head)?.[1] ?? '', body });
    });
  });
}

describe('HTTP: paths, errors and the admin API', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let app: FastifyInstance;
  before(async () => {
    t = await buildTestApp();
    app = t.app;
  });
  after(() => t.close());

  test('health, metrics and the player page', async () => {
    const health = await app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { ok: true });
    const metrics = await app.inject('/metrics');
    assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
    assert.match(metrics.body, /# TYPE boxoffice_live_channel_state gauge/);
    for (const p of ['/', '/watch/demo']) {
      const page = await app.inject(p);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<title>Boxoffice<\/title>/);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/, 'no inline or third-party script');
      assert.match(csp, /worker-src 'self' blob:/, "hls.js's worker");
      assert.match(csp, /media-src 'self' http:\/\/localhost:8080 blob:/, 'MSE media from PUBLIC_URL');
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      assert.equal(page.headers['referrer-policy'], 'same-origin', 'signed URLs never leave in a Referer header');
    }
  });

  test('traversal in every encoding, sent raw, is refused with 4xx, never a file, never a 500', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    const attempts = [
      '/live/../../etc/passwd',
      '/live/demo/../../../etc/passwd',
      '/live/%2e%2e/%2e%2e/etc/passwd',
      '/live/demo/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/live/demo/..%2f..%2fetc%2fpasswd',
      '/live/demo/%252e%252e/x',
      '/live/demo/..\\..\\etc\\passwd',
      '/live/demo/%5c..%5cetc',
      '/live/demo/%00.m3u8',
      '/live/demo/master.m3u8%00',
      '/live//etc/passwd',
      '/live/./demo/master.m3u8',
      '/live/demo/r0000/240p/..%2f..%2f..%2fboxoffice.db',
      '/live/demo/r00000/240p/%2e%2e',
      '/live/%c0%ae%c0%ae/etc/passwd',
    ];
    for (const url of attempts) {
      const res = await rawGet(port, url);
      assert.ok(res.status === 400 || res.status === 404, `${url} → ${res.status}`);
      assert.ok(!res.body.includes('root:') && !res.body.includes('SQLite'), `${url} must not leak a file`);
      // requests node's HTTP parser rejects never reach the app; everything else gets our JSON error
      if (res.type.startsWith('application/json')) assert.ok(['bad_path', 'not_found'].includes(JSON.parse(res.body).error), `${url} → ${res.body}`);
    }
    assert.equal((await rawGet(port, '/live/./demo/master.m3u8')).status, 400, 'dot segments are refused, not resolved');
    assert.equal(JSON.parse((await rawGet(port, '/live/%2e%2e/%2e%2e/etc/passwd')).body).error, 'bad_path');
  });

  test('unknown channels, offline channels and unknown files are clear 404s that are not cached', async () => {
    const unknown = await app.inject('/live/nope/master.m3u8');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error, 'not_found');
    const offline = await app.inject('/live/demo/master.m3u8');
    assert.equal(offline.statusCode, 404);
    assert.equal(offline.json().error, 'offline');
    assert.equal(offline.headers['cache-control'], 'no-store');
    assert.equal((await app.inject('/live/demo/r0abc/240p/0.ts')).json().error, 'not_found');
    assert.equal((await app.inject('/live/demo/whatever.txt')).statusCode, 404);
    const preflight = await app.inject({ method: 'OPTIONS', url: '/live/demo/master.m3u8' });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
  });

  test('the admin API needs the bearer token', async () => {
    const body = { name: 'news', title: 'News' };
    for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${t.adminToken}`, 'Bearer ']) {
      const res = await app.inject({ method: 'POST', url: '/api/admin/channels', payload: body, headers: authorization ? { authorization } : {} });
      assert.equal(res.statusCode, 401, `authorization ${authorization}`);
      assert.equal(res.json().error, 'unauthorized');
    }
    assert.equal(t.channels.get('news'), undefined, 'nothing was created');
    assert.equal((await app.inject('/api/admin/channels')).statusCode, 401);
  });

  test('POST /api/admin/channels creates a channel with a 192-bit key and the OBS settings', async () => {
    const auth = { authorization: `Bearer ${t.adminToken}` };
    const res = await app.inject({ method: 'POST', url: '/api/admin/channels', headers: auth, payload: { name: 'news', title: 'News', priceCents: 499 } });
    assert.equal(res.statusCode, 201);
    const created = res.json();
    assert.equal(created.id, 'news');
    assert.match(created.streamKey, /^sk_[A-Za-z0-9_-]{32}$/);
    assert.deepEqual(created.obs, { server: 'rtmp://localhost/cfx/st', streamKey: created.streamKey, rtmptServer: 'rtmpt://localhost:8080/cfx/st' }, 'no RTMPS server without a certificate');
    assert.equal(t.channels.get('news')?.priceCents, 499);

    const again = await app.inject({ method: 'POST', url: '/api/admin/channels', headers: auth, payload: { name: 'news', title: 'Other' } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error, 'channel_exists');
    assert.equal(t.channels.get('news')?.title, 'News', 'the existing channel is untouched');

    const list = await app.inject({ url: '/api/admin/channels', headers: auth });
    assert.deepEqual(list.json().channels.map((c: { id: string }) => c.id).sort(), ['demo', 'news', 'paid']);
  });

  test('PATCH /api/admin/channels/<id> sets the price and title', async () => {
    const auth = { authorization: `Bearer ${t.adminToken}` };
    const res = await app.inject({ method: 'PATCH', url: '/api/admin/channels/news', headers: auth, payload: { priceCents: 0 } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: 'news', title: 'News', priceCents: 0, currency: 'usd' });
    assert.equal((await app.inject({ method: 'PATCH', url: '/api/admin/channels/news', headers: auth, payload: { priceCents: -5 } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'PATCH', url: '/api/admin/channels/nope', headers: auth, payload: { priceCents: 1 } })).statusCode, 404);
    assert.equal((await app.inject({ method: 'PATCH', url: '/api/admin/channels/news', payload: { priceCents: 1 } })).statusCode, 401);
    assert.equal(t.channels.get('news')?.priceCents, 0, 'bad requests changed nothing');
    await app.inject({ method: 'PATCH', url: '/api/admin/channels/news', headers: auth, payload: { priceCents: 499 } });
  });

  test('bad bodies get 4xx with a clear code and change nothing', async () => {
    const auth = { authorization: `Bearer ${t.adminToken}` };
    const cases: Array<[unknown, string, string]> = [
      [{ name: 'Bad Name' }, 'application/json', 'invalid_channel'],
      [{ name: 'ok-name', priceCents: -1 }, 'application/json', 'invalid_channel'],
      [{ name: 'ok-name', priceCents: 1.5 }, 'application/json', 'invalid_channel'],
      [{ name: '../etc' }, 'application/json', 'invalid_channel'],
      ['{"name":', 'application/json', 'invalid_json'],
      ['name=x', 'application/x-www-form-urlencoded', 'unsupported_media_type'],
    ];
    for (const [payload, type, code] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/admin/channels', headers: { ...auth, 'content-type': type }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(payload)} → ${res.statusCode}`);
      assert.equal(res.json().error, code, JSON.stringify(payload));
    }
    assert.deepEqual(t.channels.list().map((c) => c.id).sort(), ['demo', 'news', 'paid']);
  });
});
