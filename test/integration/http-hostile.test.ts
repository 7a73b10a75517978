import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createStripeClient, createStripeGateway } from '../../server/boxoffice/stripe-gateway.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createVideoRepository, type VideoRepository } from '../../server/db/video-repository.ts';
import { encodeCloudFrontBase64 } from '../../server/signing/cloudfront-base64.ts';
import type { Bucket } from '../../server/storage/bucket.ts';
import { createLocalBucket } from '../../server/storage/local-bucket.ts';
import { versionPrefix } from '../../server/storage/vod-keys.ts';
import { buildTestApp, staticLive } from '../helpers/app.ts';
import { spawnChild, startPublisher } from '../helpers/processes.ts';
import { rawGet, rawRequest, type RawResponse } from '../helpers/raw-http.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** The Host the test apps' signed resources name (their PUBLIC_URL). */
const HOST = 'localhost:8080';
const SHOP = 'https://shop.example.com';
const EVIL = 'https://evil.example';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

/** Registers a video and publishes a small fake packaged version of it (no ffmpeg). */
async function publishVideo(videos: VideoRepository, bucket: Bucket, sourceKey: string, priceCents: number): Promise<{ id: string; version: string }> {
  const now = Date.now();
  const { video, job } = videos.register({ sourceKey, title: sourceKey, priceCents }, now);
  videos.finish(job.id, {}, now); // nothing for the packaging queue to pick up
  const version = crypto.createHash('sha256').update(sourceKey).digest('hex').slice(0, 16);
  const files: Record<string, string> = {
    'master.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000\n240p.m3u8\n',
    'q/master.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000\n240p.m3u8\n',
    '240p.m3u8': '#EXTM3U\n#EXTINF:2,\n240p/0.ts\n#EXT-X-ENDLIST\n',
    '240p/0.ts': 'segment bytes',
    'poster.jpg': 'poster bytes',
  };
  for (const [file, body] of Object.entries(files)) await bucket.put(`${versionPrefix(video.id, version)}/${file}`, Buffer.from(body));
  videos.publish(video.id, version, 10, now);
  return { id: video.id, version };
}

/** Row counts of the tables a request could write to. */
function rowCounts(dataDir: string): Record<string, number> {
  const db = new Database(path.join(dataDir, 'boxoffice.db'), { readonly: true });
  try {
    const tables = ['channels', 'videos', 'jobs', 'demo_sessions', 'purchases', 'stripe_events'];
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

/** Runs `fn` over `items`, `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(fn));
}

/** A refusal as the contract wants it: 400/403/404, our JSON error (or CloudFront's XML on 403), no secret inside. */
function assertRefused(what: string, r: RawResponse, secrets: readonly string[], head = false): void {
  assert.ok(!r.timedOut, `${what}: no answer within 5 s`);
  assert.ok([400, 403, 404].includes(r.status), `${what} → ${r.status} ${r.error ?? ''} ${r.body.slice(0, 200)}`);
  for (const s of secrets) assert.ok(!r.body.includes(s) && !r.head.includes(s), `${what} leaked ${JSON.stringify(s.slice(0, 24))}`);
  if (r.status === 403 && r.type.startsWith('text/xml')) {
    if (!head) assert.match(r.body, /<Code>\w+<\/Code>/);
    return;
  }
  assert.match(r.type, /^application\/json/, `${what}: a JSON error (${r.head.split('\r\n')[0]})`);
  if (!head) assert.match(JSON.parse(r.body).error, /^[a-z_]+$/, `${what}: an error code`);
}

/** Everything one "go up a folder" can look like on the wire. */
const UP = [
  '../', '..%2f', '..%2F', '%2e%2e/', '%2E%2E%2F', '%2e%2e%2f', '.%2e/', '%2e./', '%252e%252e%252f', '..%255c', '..%5c', '..%5C', '..\\',
  '%c0%ae%c0%ae/', '%c0%ae%c0%ae%c0%af', '..%c0%af', '..%c1%9c', '%e0%80%ae%e0%80%ae/', '.%00./', '..%00/', '%2e%2e%00/', '....//',
  '..;/', '%ef%bc%8e%ef%bc%8e%ef%bc%8f', '..%u2215', '%%32%65%%32%65/',
];
const TARGETS = ['secret.txt', 'admin-token', 'boxoffice.db', 'viewer-secret', 'package.json', 'etc/passwd'];

describe('hostile HTTP against a real origin process (node parser, port sharing, the live fast path)', () => {
  let server: TestServer;
  let free: { id: string; version: string };
  let paid: { id: string; version: string };
  /** Strings that must never come back: planted secrets, the admin token, key material, system files. */
  const secrets: string[] = [];

  before(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-hostile-'));
    const db = openDatabase(path.join(dataDir, 'boxoffice.db'));
    const bucket = createLocalBucket(path.join(dataDir, 'media'));
    const videos = createVideoRepository(db);
    free = await publishVideo(videos, bucket, 'sources/free.mp4', 0);
    paid = await publishVideo(videos, bucket, 'sources/paid.mp4', 700);
    db.close();
    // a secret just outside every served root: the data folder, the live folder, the bucket, a video, a version
    const plant = (file: string): void => {
      const secret = `SECRET-${crypto.randomBytes(12).toString('hex')}`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, secret);
      secrets.push(secret);
    };
    plant(path.join(dataDir, 'secret.txt'));
    plant(path.join(dataDir, 'live', 'secret.txt'));
    plant(path.join(dataDir, 'media', 'secret.txt'));
    plant(path.join(dataDir, 'media', 'vod', free.id, 'secret.txt'));
    plant(path.join(dataDir, 'media', versionPrefix(free.id, free.version), 'secret.txt'));
    server = await startServer({ LOG_LEVEL: 'debug' }, { dataDir });
    secrets.push(server.adminToken, fs.readFileSync(path.join(dataDir, 'viewer-secret'), 'utf8').trim(), 'SQLite format 3', 'PRIVATE KEY', 'root:x:0:0', '"devDependencies"');
  });
  after(() => server?.stop());

  test('traversal in every encoding, sent raw, against every file-serving route: 4xx JSON, never 5xx, never a file outside its root', async () => {
    const roots = [
      '/live/demo/', '/live/demo/r0abcd/240p/', '/live/', `/vod/${free.id}/`, `/vod/${free.id}/${free.version}/`, `/vod/${free.id}/${free.version}/240p/`,
      `/vod/${paid.id}/${paid.version}/`, '/assets/', '/watch/', '/demo-checkout/', '/api/playback/', '/',
    ];
    const targets: string[] = [];
    for (const root of roots) for (const up of UP) for (let depth = 1; depth <= 5; depth++) targets.push(`${root}${up.repeat(depth)}${TARGETS[targets.length % TARGETS.length]}`);
    const dataDir = server.dataDir;
    targets.push(
      '//etc/passwd', '/etc/passwd', '/live/demo//etc/passwd', '/live/demo/%2fetc%2fpasswd', `/vod/${free.id}/${free.version}/%2fetc%2fpasswd`,
      '/assets/%2fetc%2fpasswd', '/assets//etc/passwd', '/watch/%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd',
      `${dataDir}/secret.txt`, `/live/demo${dataDir}/secret.txt`, `/assets/${encodeURIComponent(`${dataDir}/secret.txt`)}`, '/live/demo/C:\\Windows\\win.ini', '/live/demo/\\\\host\\share',
      `http://127.0.0.1/live/demo/../../secret.txt`, `http://127.0.0.1/vod/${free.id}/../../secret.txt`, // absolute-form targets
      '/live/demo/master.m3u8%00../../secret.txt', '/live/demo/secret.txt%00.m3u8', '/live/secret.txt', '/live/demo/secret.txt',
      `/vod/${free.id}/secret.txt`, `/vod/${free.id}/${free.version}/secret.txt`, `/vod/${free.id}/${free.version}/240p/../../secret.txt`,
      '/assets/app.js/../../package.json', '/assets/..', '/live/demo/..', `/vod/${free.id}/..`,
    );
    await inBatches(targets, 12, async (target) => assertRefused(`GET ${target}`, await rawRequest(server.httpPort, rawGet(target)), secrets));
    for (const target of ['/live/demo/../../secret.txt', `/vod/${free.id}/${free.version}/..%2f..%2fsecret.txt`, '/live/demo/%2e%2e/%2e%2e/admin-token']) {
      assertRefused(`HEAD ${target}`, await rawRequest(server.httpPort, rawGet(target, {}, 'HEAD')), secrets, true);
    }
    // bytes node's parser refuses outright still get our JSON error, not a reset
    for (const target of ['/live/demo/..\0/secret.txt', '/live/demo/\x7f../secret.txt', '/assets/\r../package.json']) {
      const r = await rawRequest(server.httpPort, rawGet(target));
      assert.equal(r.status, 400, JSON.stringify(target));
      assert.equal(JSON.parse(r.body).error, 'bad_request');
    }
    assert.equal((await server.get('/healthz')).status, 200, 'still serving');
    assert.equal((await server.get(`/vod/${free.id}/${free.version}/240p/0.ts`)).status, 200, 'the control: a real file is served');
  });

  test('64 KiB URLs and headers (and just over 16 KiB): a clean 431 JSON answer on the shared port, never 5xx, a reset or a hang', async () => {
    assert.equal(http.maxHeaderSize, 16 * 1024, "node's default limit on request line + headers, which the origin keeps");
    const K64 = 64 * 1024;
    const over = 16 * 1024 + 1;
    const cases: Array<[string, string]> = [
      ['a 64 KiB URL on the live fast path', rawGet(`/live/demo/${'a'.repeat(K64)}.m3u8`)],
      ['a 64 KiB URL on the API', rawGet(`/api/catalog?x=${'a'.repeat(K64)}`)],
      ['a 64 KiB signature query on paid VOD', rawGet(`/vod/${paid.id}/${paid.version}/master.m3u8?Policy=${'A'.repeat(K64)}&Signature=x&Key-Pair-Id=K`)],
      ['a 64 KiB header', rawGet('/healthz', { 'x-filler': 'b'.repeat(K64) })],
      ['a 64 KiB cookie', rawGet('/api/catalog', { cookie: `bo_viewer=${'c'.repeat(K64)}` })],
      ['a 64 KiB admin token', rawGet('/api/admin/channels', { authorization: `Bearer ${'d'.repeat(K64)}` })],
      ['1,000 headers of 64 bytes', rawGet('/healthz', Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x-h${String(i).padStart(4, '0')}`, 'e'.repeat(56)])))],
      ['a URL just over 16 KiB', rawGet(`/live/demo/${'f'.repeat(over)}`)],
      ['a header just over 16 KiB', rawGet('/healthz', { 'x-filler': 'g'.repeat(over) })],
    ];
    for (const [what, request] of cases) {
      for (let i = 0; i < 3; i++) {
        const r = await rawRequest(server.httpPort, request);
        assert.ok(!r.timedOut, `${what}: answered within 5 s`);
        assert.equal(r.status, 431, `${what}: ${r.head.split('\r\n')[0]} ${r.error ?? ''}`);
        assert.match(r.type, /^application\/json/);
        assert.deepEqual(JSON.parse(r.body), { error: 'headers_too_large', message: 'the request line and headers exceed 16 KiB' });
      }
    }
    const under = await rawRequest(server.httpPort, rawGet(`/live/demo/${'h'.repeat(15 * 1024)}`));
    assert.equal(under.status, 404, 'a 15 KiB URL is parsed and refused by the route');
    assert.equal(JSON.parse(under.body).error, 'not_found');
    assert.equal((await rawRequest(server.httpPort, rawGet('/healthz', { 'x-filler': 'i'.repeat(15 * 1024) }))).status, 200, 'a 15 KiB header is fine');
    assert.equal((await server.get('/healthz')).status, 200, 'still serving');
    assert.equal((await fetch(`${server.baseUrl}/api/catalog`)).status, 200);
  });

  test('stream keys never appear in responses (other than the admin API), playlists, error messages or logs', { timeout: 120_000 }, async () => {
    const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
    const created = await fetch(`${server.baseUrl}/api/admin/channels`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'secret-show', title: 'Secret show' }) });
    assert.equal(created.status, 201);
    const key = (await created.json()).streamKey as string;
    assert.match(key, /^sk_[A-Za-z0-9_-]{32}$/);
    const listed = await (await fetch(`${server.baseUrl}/api/admin/channels`, { headers: auth })).text();
    assert.ok(listed.includes(key), 'the admin list shows it (it is where the operator reads it)');
    const wrongKey = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;

    const seen: string[] = [];
    const record = async (res: Response): Promise<Response> => {
      seen.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.clone().text()}`);
      return res;
    };
    const post = (p: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${server.baseUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(record);
    for (const p of [`/live/${key}/master.m3u8`, `/live/secret-show/${key}.m3u8`, `/live/secret-show/master.m3u8?key=${key}`, `/vod/${key}/master.m3u8`,
      `/api/playback/${key}`, `/watch/${key}`, `/demo-checkout/${key}`, `/assets/${key}`, `/${key}`, `/api/admin/jobs/${key}`, `/api/playback/${key}%c0`, `/watch/${key}%ff`]) {
      await server.get(p).then(record);
    }
    await server.get('/api/catalog', { 'x-stream-key': key, cookie: `bo_viewer=${key}; CloudFront-Key-Pair-Id=${key}` }).then(record);
    await server.get('/api/admin/channels', { authorization: `Bearer ${key}` }).then(record);
    await server.get(`/live/secret-show/master.m3u8?Policy=${key}&Signature=${key}&Key-Pair-Id=${key}`).then(record);
    await post('/api/checkout', JSON.stringify({ itemId: key }));
    await post('/api/checkout', key); // not JSON: the parser's message must not quote it
    await post('/api/checkout', `{"itemId": "${key}`);
    await post('/api/admin/channels', JSON.stringify({ name: key, streamKey: key }), { authorization: `Bearer ${key}` });
    await post('/api/admin/channels', JSON.stringify({ name: 'other', title: key.slice(0, 3), streamKey: key }), { authorization: 'Bearer nope-nope-nope-nope' });
    await post('/api/admin/videos', JSON.stringify({ source: key }), { authorization: auth.authorization });
    await post('/api/stripe/webhook', JSON.stringify({ key }), { 'stripe-signature': key });
    await rawRequest(server.httpPort, rawGet(`/live/demo/${key}`, { 'x-filler': key.repeat(600) })).then((r) => seen.push(r.head + r.body));

    // publish with the key, play it as a viewer: the playlists and the catalog name the channel, never the key
    const publisher = startPublisher(server.rtmpUrl(key));
    try {
      await waitFor('the secret-show channel on air', async () => (await server.get('/live/secret-show/master.m3u8')).status === 200, 40_000, 250);
      const master = await server.get('/live/secret-show/master.m3u8').then(record);
      const rung = (await master.clone().text()).split('\n').find((l) => l.endsWith('.m3u8'))!;
      for (const p of ['/live/secret-show/q/master.m3u8', `/live/secret-show/${rung}`, `/live/secret-show/q/${rung}`, '/api/catalog', '/metrics']) await server.get(p).then(record);
    } finally {
      await publisher.kill();
    }
    // a publish with a wrong key and a play of the key itself are refused and logged, the key not in full
    for (const args of [['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'flv', server.rtmpUrl(wrongKey)], ['-i', server.rtmpUrl(key), '-t', '1', '-f', 'null', '-']]) {
      const child = spawnChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args]);
      const timer = setTimeout(() => void child.kill('SIGKILL'), 15_000);
      await child.exited;
      clearTimeout(timer);
    }
    await waitFor('the refusals to be logged', () => (server.output().match(/rtmp connection refused/g) ?? []).length >= 2, 10_000);

    for (const text of seen) {
      assert.ok(!text.includes(key), `the key leaked into a response:\n${text.slice(0, 400)}`);
      assert.ok(!text.includes(wrongKey));
    }
    assert.ok(seen.some((s) => s.includes('#EXTM3U')), 'playlists were checked');
    assert.ok(!server.output().includes(key), 'the key is not in the log');
    assert.ok(!server.output().includes(wrongKey), 'a wrong key is not in the log either');
    assert.match(server.output(), /sk_[A-Za-z0-9_-]{3}…/, 'the log names keys by their first characters only');
  });
});

describe('hostile HTTP in-process: bodies, admin auth, cookies, signatures, CORS', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let paidVideo: { id: string; version: string };
  const auth = { authorization: '' };
  before(async () => {
    t = await buildTestApp({ live: staticLive() });
    app = t.app;
    auth.authorization = `Bearer ${t.adminToken}`;
    paidVideo = await publishVideo(t.videos, t.bucket, 'sources/paid.mp4', 700);
  });
  after(() => t.close());

  test('bad bodies and wrong content types on every POST and PATCH endpoint: 4xx with a clear code, nothing written', async () => {
    const before = rowCounts(t.dataDir);
    const huge = `{"itemId":"${'a'.repeat(1024 * 1024)}"}`;
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    const endpoints: Array<{ method: 'POST' | 'PATCH'; url: string; admin: boolean; shape: string; json?: string }> = [
      { method: 'POST', url: '/api/checkout', admin: false, shape: 'invalid_request' },
      { method: 'POST', url: '/api/admin/channels', admin: true, shape: 'invalid_channel' },
      { method: 'POST', url: '/api/admin/videos', admin: true, shape: 'invalid_video' },
      { method: 'PATCH', url: '/api/admin/channels/paid', admin: true, shape: 'invalid_channel' },
      // demo mode: the webhook reads raw bytes and refuses before looking at them
      { method: 'POST', url: '/api/stripe/webhook', admin: false, shape: 'stripe_not_configured', json: 'stripe_not_configured' },
    ];
    const cases: Array<[string, string | undefined, string | undefined, number, string | 'shape']> = [
      ['invalid JSON', 'application/json', '{"name":', 400, 'invalid_json'],
      ['a truncated escape', 'application/json', '{"itemId":"\\u12"}', 400, 'invalid_json'],
      ['__proto__ pollution', 'application/json', '{"__proto__":{"admin":true},"name":"x"}', 400, 'invalid_json'],
      ['constructor.prototype pollution', 'application/json', '{"constructor":{"prototype":{"admin":true}}}', 400, 'invalid_json'],
      ['an empty JSON body', 'application/json', '', 400, 'invalid_json'],
      ['100,000 nested brackets', 'application/json', deep, 400, 'shape'],
      ['text/plain', 'text/plain', '{"name":"x","itemId":"paid"}', 415, 'unsupported_media_type'],
      ['multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--\r\n', 415, 'unsupported_media_type'],
      ['a form', 'application/x-www-form-urlencoded', 'name=x&itemId=paid', 415, 'unsupported_media_type'],
      ['XML', 'application/xml', '<name>x</name>', 415, 'unsupported_media_type'],
      ['no content type', undefined, '{"name":"x","itemId":"paid"}', 415, 'unsupported_media_type'],
      ['over the 1 MiB body limit', 'application/json', huge, 413, 'body_too_large'],
      ['an array', 'application/json', '[{"name":"x"}]', 400, 'shape'],
      ['null', 'application/json', 'null', 400, 'shape'],
      ['a number', 'application/json', '42', 400, 'shape'],
      ['a string', 'application/json', '"paid"', 400, 'shape'],
      ['wrong field types', 'application/json', '{"name":["x"],"itemId":{"$ne":null},"source":1,"title":{},"priceCents":"1"}', 400, 'shape'],
    ];
    for (const ep of endpoints) {
      for (const [what, type, payload, status, code] of cases) {
        const headers: Record<string, string> = { host: HOST, ...(type ? { 'content-type': type } : {}), ...(ep.admin ? auth : {}) };
        const res = await app.inject({ method: ep.method, url: ep.url, headers, ...(payload !== undefined ? { payload } : {}) });
        const expected = code === 'shape' ? ep.shape : ep.json && code === 'invalid_json' ? ep.json : code;
        const label = `${ep.method} ${ep.url} with ${what}`;
        assert.equal(res.statusCode, code === 'invalid_json' && ep.json ? 400 : status, `${label}: ${res.body.slice(0, 200)}`);
        assert.equal(res.json().error, expected, label);
        assert.equal(typeof res.json().message, 'string');
        assert.ok(!res.body.includes('"name":') && !res.body.includes('SyntaxError'), `${label}: the body is not echoed`);
      }
      // without the token, an admin endpoint answers 401 before reading (or judging) any body
      if (ep.admin) {
        for (const [, type, payload] of cases) {
          const res = await app.inject({ method: ep.method, url: ep.url, headers: { ...(type ? { 'content-type': type } : {}) }, ...(payload !== undefined ? { payload } : {}) });
          assert.equal(res.statusCode, 401, `${ep.url} without a token`);
        }
      }
    }
    // the webhook's own paths also hold with no body and when the type is close but not JSON
    assert.equal((await app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/jsonx' }, payload: '{}' })).statusCode, 415);
    assert.deepEqual(rowCounts(t.dataDir), before, 'nothing was created, changed rows aside');
    assert.equal(t.channels.get('paid')?.priceCents, 500, 'the PATCHes changed nothing');
  });

  test('the Stripe webhook with Stripe configured: bad, missing or huge signatures and signed non-events are 400, never 5xx', async () => {
    const stripe = createStripeClient('sk_test_hostile', 'http://127.0.0.1:9');
    const secret = 'whsec_hostile';
    const s = await buildTestApp({
      env: { STRIPE_SECRET_KEY: 'sk_test_hostile', STRIPE_WEBHOOK_SECRET: secret },
      payments: (_p, config) => ({ stripe, gateway: createStripeGateway(stripe, { accessHours: config.accessHours, now: Date.now }) }),
    });
    try {
      const before = rowCounts(s.dataDir);
      const send = (payload: string, signature?: string): Promise<LightMyRequestResponse> =>
        s.app.inject({ method: 'POST', url: '/api/stripe/webhook', headers: { 'content-type': 'application/json', ...(signature !== undefined ? { 'stripe-signature': signature } : {}) }, payload });
      const signed = (payload: string): string => stripe.webhooks.generateTestHeaderString({ payload, secret });
      const event = JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', created: 1, data: { object: {} } });
      const refusals: Array<[string, string, string | undefined, string]> = [
        ['no signature', event, undefined, 'bad_signature'],
        ['a garbage signature', event, 't=abc,v1=zzz', 'bad_signature'],
        ['an 8 KiB signature', event, `t=1,v1=${'0'.repeat(8192)}`, 'bad_signature'],
        ['a signature for another secret', event, stripe.webhooks.generateTestHeaderString({ payload: event, secret: 'whsec_other' }), 'bad_signature'],
        ['signed invalid JSON', '{"id":', signed('{"id":'), 'bad_signature'],
        ['signed null', 'null', signed('null'), 'bad_event'],
        ['a signed array', '[]', signed('[]'), 'bad_event'],
        ['a signed empty object', '{}', signed('{}'), 'bad_event'],
        ['a signed event without data', '{"id":"evt_2","type":"checkout.session.completed","created":1}', signed('{"id":"evt_2","type":"checkout.session.completed","created":1}'), 'bad_event'],
        ['a signed event with a numeric id', '{"id":7,"type":"x","created":1,"data":{"object":{}}}', signed('{"id":7,"type":"x","created":1,"data":{"object":{}}}'), 'bad_event'],
      ];
      for (const [what, payload, signature, code] of refusals) {
        const res = await send(payload, signature);
        assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
        assert.equal(res.json().error, code, what);
      }
      assert.deepEqual(rowCounts(s.dataDir), before, 'no event recorded, nothing granted');
      const ok = await send(event, signed(event));
      assert.equal(ok.statusCode, 200, 'the control: a signed, well-formed event that grants nothing');
      assert.equal(rowCounts(s.dataDir).purchases, 0);
    } finally {
      await s.close();
    }
  });

  test('the admin API: no token, a wrong one, another scheme, another length, or the token anywhere but the header → 401 JSON', async () => {
    const token = t.adminToken;
    const attempts: Array<[string, string, Record<string, string>]> = [
      ['no token', '/api/admin/channels', {}],
      ['a wrong token of the same length', '/api/admin/channels', { authorization: `Bearer ${'x'.repeat(token.length)}` }],
      ['the token one character short', '/api/admin/channels', { authorization: `Bearer ${token.slice(0, -1)}` }],
      ['the token with one more character', '/api/admin/channels', { authorization: `Bearer ${token}x` }],
      ['a 10,000-character token', '/api/admin/channels', { authorization: `Bearer ${'y'.repeat(10_000)}` }],
      ['an empty bearer', '/api/admin/channels', { authorization: 'Bearer ' }],
      ['the Basic scheme', '/api/admin/channels', { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }],
      ['the bare token', '/api/admin/channels', { authorization: token }],
      ['Token scheme', '/api/admin/channels', { authorization: `Token ${token}` }],
      ['the token in a query parameter', `/api/admin/channels?token=${token}`, {}],
      ['the token as access_token', `/api/admin/channels?access_token=${token}`, {}],
      ['the token in a cookie', '/api/admin/channels', { cookie: `authorization=Bearer ${token}; token=${token}` }],
      ['the token in another header', '/api/admin/channels', { 'x-admin-token': token, 'x-authorization': `Bearer ${token}` }],
      ['a wrong token on videos', '/api/admin/videos', { authorization: 'Bearer wrong-token-wrong-token' }],
      ['a wrong token on jobs', '/api/admin/jobs/j_x', { authorization: 'Bearer wrong-token-wrong-token' }],
    ];
    for (const [what, url, headers] of attempts) {
      const res = await app.inject({ url, headers });
      assert.equal(res.statusCode, 401, what);
      assert.deepEqual(res.json(), { error: 'unauthorized', message: 'a valid admin bearer token or console session is required' }, what);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.ok(!res.body.includes(token));
    }
    assert.equal((await app.inject({ url: '/api/admin/channels', headers: auth })).statusCode, 200, 'the control: the right token');
  });

  test('malformed viewer and CloudFront cookies and signatures: 4xx or treated as absent, never 5xx, never paid content', async () => {
    const hour = new Date(Date.now() + 3600_000);
    const demoGrant = t.signer.signFolder('/live/demo', 'master.m3u8', { expiresAt: hour });
    const kid = t.keys.keyPairId;
    const policy = (json: string): string => encodeCloudFrontBase64(json);
    const forged = `v_${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const otherSecret = `v_${'C'.repeat(22)}.${crypto.createHmac('sha256', 'another secret').update(`v_${'C'.repeat(22)}`).digest('base64url')}`;
    const cookies = [
      'bo_viewer=garbage', `bo_viewer=${forged}`, `bo_viewer=${otherSecret}`, `bo_viewer=${'A'.repeat(8000)}`, `bo_viewer=${forged}; bo_viewer=${forged}x`,
      'bo_viewer', '=; ;;=;', 'bo_viewer="v_quoted"', 'bo_viewer=%00%ff', 'bo_viewer=\u00e9\u00ff', `bo_viewer=${forged.replace('.', '..')}`,
      `CloudFront-Policy=!!!; CloudFront-Signature=???; CloudFront-Key-Pair-Id=${kid}`,
      `CloudFront-Policy=${policy('not json')}; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=${kid}`,
      `CloudFront-Policy=${policy('{"Statement":[]}')}; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=${kid}`,
      `CloudFront-Policy=${policy('{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":"soon"}}}]}')}; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=${kid}`,
      `CloudFront-Policy=${policy('{"__proto__":{"x":1},"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":9999999999}}}]}')}; CloudFront-Signature=AAAA; CloudFront-Key-Pair-Id=${kid}`,
      `CloudFront-Policy=%%%; CloudFront-Signature=%ZZ; CloudFront-Key-Pair-Id=${'K'.repeat(5000)}`,
      `CloudFront-Expires=-1; CloudFront-Signature=x; CloudFront-Key-Pair-Id=${kid}`,
      `CloudFront-Expires=1e400; CloudFront-Signature=x; CloudFront-Key-Pair-Id=${kid}`,
      demoGrant.cookies.map((c) => `${c.name}=${c.value}`).join('; '), // a real grant for another item
      demoGrant.cookies.map((c) => `${c.name}=${c.value}x`).join('; '),
    ];
    const queries = [
      `?Policy=%ZZ&Signature=%&Key-Pair-Id=${kid}`, `?Expires=abc&Signature=x&Key-Pair-Id=${kid}`, '?Key-Pair-Id=', `?Signature=${'A'.repeat(10_000)}&Key-Pair-Id=${kid}&Expires=9999999999`,
      `?Policy=eyJ9&Signature=AAAA&Key-Pair-Id=${kid}`, `?Hash-Algorithm=MD5&Expires=9999999999&Signature=AAAA&Key-Pair-Id=${kid}`, '?Policy=&Policy=&Policy=', '?&&&==&',
      `?Policy=${policy('[]')}&Signature=AAAA&Key-Pair-Id=${kid}`, demoGrant.url.slice(demoGrant.url.indexOf('?')), `?Policy=${'%c0%ae'.repeat(100)}&Signature=%00&Key-Pair-Id=%0a`,
    ];
    const paidHls = ['/live/paid/master.m3u8', '/live/paid/q/240p.m3u8', '/live/paid/rabcd/240p/0.ts', `/vod/${paidVideo.id}/${paidVideo.version}/master.m3u8`, `/vod/${paidVideo.id}/${paidVideo.version}/240p/0.ts`];
    for (const cookie of cookies) {
      for (const url of paidHls) {
        const res = await app.inject({ url, headers: { host: HOST, cookie } });
        assert.equal(res.statusCode, 403, `${url} with cookie ${cookie.slice(0, 80)}`);
        assert.match(res.body, /<Code>\w+<\/Code>/);
      }
      const catalog = await app.inject({ url: '/api/catalog', headers: { host: HOST, cookie } });
      assert.equal(catalog.statusCode, 200, `catalog with ${cookie.slice(0, 80)}`);
      const issued = String(catalog.headers['set-cookie'] ?? '');
      assert.match(issued, /^bo_viewer=v_[A-Za-z0-9_-]{22}\./, 'a bad viewer cookie is treated as absent: a fresh one is issued');
      assert.ok(!cookie.includes(issued.split(';')[0]!.split('=')[1]!), 'never the one that was sent');
      assert.equal((await app.inject({ url: '/api/playback/paid', headers: { host: HOST, cookie } })).statusCode, 402, 'no purchase rides on a bad cookie');
      assert.equal((await app.inject({ url: '/watch/paid', headers: { host: HOST, cookie } })).statusCode, 200);
      assert.equal((await app.inject({ url: '/demo-checkout/demo_AAAAAAAAAAAAAAAAAAAAAA', headers: { host: HOST, cookie } })).statusCode, 404);
    }
    for (const query of queries) {
      for (const url of paidHls) {
        const res = await app.inject({ url: `${url}${query}`, headers: { host: HOST } });
        assert.equal(res.statusCode, 403, `${url}${query.slice(0, 80)}`);
        assert.match(res.body, /<Code>\w+<\/Code>/);
      }
      for (const url of ['/api/catalog', '/api/playback/paid', '/watch/paid', '/live/demo/master.m3u8']) {
        const res = await app.inject({ url: `${url}${query}`, headers: { host: HOST } });
        assert.ok(res.statusCode < 500, `${url}${query.slice(0, 80)} → ${res.statusCode}`);
      }
    }
  });

  test('CORS: default only PUBLIC_URL; the admin API never answers cross-origin', async () => {
    const grant = t.signer.signFolder('/live/paid', 'q/master.m3u8', { expiresAt: new Date(Date.now() + 3600_000) });
    const signed = grant.url.replace(`http://${HOST}`, '');
    const shop = await app.inject({ url: signed, headers: { host: HOST, origin: SHOP } });
    assert.equal(shop.statusCode, 200);
    assert.equal(shop.headers['access-control-allow-origin'], undefined, 'an unconfigured site gets no CORS grant');
    const own = await app.inject({ url: signed, headers: { host: HOST, origin: 'http://localhost:8080' } });
    assert.equal(own.headers['access-control-allow-origin'], 'http://localhost:8080', "PUBLIC_URL's origin is always allowed");
    const admin = await app.inject({ url: '/api/admin/channels', headers: { ...auth, origin: 'http://localhost:8080' } });
    assert.equal(admin.statusCode, 200);
    assert.equal(admin.headers['access-control-allow-origin'], undefined);
    const adminPreflight = await app.inject({ method: 'OPTIONS', url: '/api/admin/channels', headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST' } });
    assert.equal(adminPreflight.headers['access-control-allow-origin'], undefined);
    assert.ok(adminPreflight.statusCode >= 400 && adminPreflight.statusCode < 500);
  });

  test('cookies without https: HttpOnly, SameSite=Lax, no Secure; X-Forwarded-Proto is ignored without TRUST_PROXY', async () => {
    for (const headers of [{ host: HOST }, { host: HOST, 'x-forwarded-proto': 'https' }] as Array<Record<string, string>>) {
      const { viewer, grant } = await buyAndPlay(app, headers);
      assert.match(viewer, /^bo_viewer=v_[^;]+; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/);
      assert.equal(grant.length, 3);
      for (const c of grant) assert.match(c, /^CloudFront-(Policy|Signature|Key-Pair-Id)=[^;]+; Path=\/live\/paid\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    }
  });
});

/** A new viewer buys `paid` through the demo checkout and asks to play it; returns the Set-Cookie headers seen. */
async function buyAndPlay(app: FastifyInstance, headers: Record<string, string>): Promise<{ viewer: string; grant: string[] }> {
  const first = await app.inject({ url: '/', headers });
  const viewer = String(first.headers['set-cookie']);
  const cookie = viewer.split(';')[0]!;
  const started = await app.inject({ method: 'POST', url: '/api/checkout', headers: { ...headers, cookie }, payload: { itemId: 'paid' } });
  assert.equal(started.statusCode, 200, started.body);
  const session = new URL(started.json().url).pathname;
  const paid = await app.inject({ method: 'POST', url: session, headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
  assert.equal(paid.statusCode, 303);
  const playback = await app.inject({ url: '/api/playback/paid', headers: { ...headers, cookie } });
  assert.equal(playback.statusCode, 200, playback.body);
  const setCookie = playback.headers['set-cookie'];
  return { viewer, grant: Array.isArray(setCookie) ? setCookie : [String(setCookie)] };
}

describe('CORS with CORS_ORIGINS set', () => {
  let t: TestApp;
  let free: { id: string; version: string };
  let paid: { id: string; version: string };
  before(async () => {
    t = await buildTestApp({ live: staticLive(), env: { CORS_ORIGINS: `${SHOP},http://localhost:3000` } });
    free = await publishVideo(t.videos, t.bucket, 'sources/free.mp4', 0);
    paid = await publishVideo(t.videos, t.bucket, 'sources/paid.mp4', 700);
  });
  after(() => t.close());

  const get = (url: string, origin?: string): Promise<LightMyRequestResponse> => t.app.inject({ url, headers: { host: HOST, ...(origin ? { origin } : {}) } });
  const signedQuery = (folder: string): string => {
    const url = t.signer.signFolder(folder, 'q/master.m3u8', { expiresAt: new Date(Date.now() + 3600_000) }).url;
    return url.slice(url.indexOf('?'));
  };
  const assertGranted = (res: LightMyRequestResponse, origin: string, what: string): void => {
    assert.equal(res.headers['access-control-allow-origin'], origin, what);
    assert.equal(res.headers['access-control-allow-credentials'], 'true', what);
    assert.match(String(res.headers.vary), /\bOrigin\b/, what);
  };
  const assertDenied = (res: LightMyRequestResponse, what: string): void => {
    assert.equal(res.headers['access-control-allow-origin'], undefined, what);
    assert.equal(res.headers['access-control-allow-credentials'], undefined, what);
    assert.match(String(res.headers.vary), /\bOrigin\b/, `${what}: the answer depends on Origin, so caches must know`);
  };

  test('paid HLS: the configured sites get their origin back with credentials; other sites nothing', async () => {
    const live = `/live/paid/q/master.m3u8${signedQuery('/live/paid')}`;
    const vod = `/vod/${paid.id}/${paid.version}/q/master.m3u8${signedQuery(`/vod/${paid.id}`)}`;
    const segment = `/vod/${paid.id}/${paid.version}/240p/0.ts${signedQuery(`/vod/${paid.id}`)}`;
    for (const url of [live, vod, segment, '/live/paid/rabcd/240p/0.ts' + signedQuery('/live/paid')]) {
      const ok = await get(url, SHOP);
      assert.equal(ok.statusCode, 200, url);
      assertGranted(ok, SHOP, url);
      assertGranted(await get(url, 'http://localhost:3000'), 'http://localhost:3000', url);
      for (const origin of [EVIL, `${SHOP}.evil.example`, 'http://shop.example.com', 'null', undefined]) assertDenied(await get(url, origin), `${url} from ${origin}`);
    }
    const playlist = await get(live, SHOP);
    assert.match(String(playlist.headers.vary), /Origin/);
    assert.match(String(playlist.headers.vary), /Accept-Encoding/, 'playlists still vary by encoding');
    assertGranted(await get('/live/paid/master.m3u8', SHOP), SHOP, 'a refusal is readable by the configured site (the player sees 403, not a CORS error)');
    assert.equal((await get('/live/paid/master.m3u8', SHOP)).statusCode, 403);
  });

  test('free HLS and posters are public: * for any site, never credentials', async () => {
    for (const url of ['/live/demo/master.m3u8', '/live/demo/rabcd/240p/0.ts', `/vod/${free.id}/${free.version}/master.m3u8`, `/vod/${paid.id}/${paid.version}/poster.jpg`]) {
      for (const origin of [EVIL, SHOP, undefined]) {
        const res = await get(url, origin);
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['access-control-allow-origin'], '*', `${url} from ${origin}`);
        assert.equal(res.headers['access-control-allow-credentials'], undefined);
      }
    }
  });

  test('the viewer API (catalog, playback) answers configured sites only, with credentials', async () => {
    for (const url of ['/api/catalog', '/api/playback/paid', '/api/playback/demo']) {
      assertGranted(await get(url, SHOP), SHOP, url);
      assertDenied(await get(url, EVIL), url);
    }
    const checkout = await t.app.inject({ method: 'POST', url: '/api/checkout', headers: { host: HOST, origin: EVIL, 'content-type': 'text/plain' }, payload: '{"itemId":"paid"}' });
    assert.equal(checkout.statusCode, 415, 'a cross-site form (text/plain, no preflight) cannot start a checkout');
  });

  test('preflight: answered for configured sites on paid HLS (403 for others), for anyone on free HLS', async () => {
    const preflight = (url: string, origin: string | undefined): Promise<LightMyRequestResponse> =>
      t.app.inject({ method: 'OPTIONS', url, headers: { host: HOST, ...(origin ? { origin } : {}), 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
    for (const url of ['/live/paid/q/master.m3u8', `/vod/${paid.id}/${paid.version}/240p/0.ts`]) {
      const ok = await preflight(url, SHOP);
      assert.equal(ok.statusCode, 204, url);
      assertGranted(ok, SHOP, url);
      assert.equal(ok.headers['access-control-allow-methods'], 'GET, HEAD');
      assert.equal(ok.headers['access-control-allow-headers'], 'Range');
      for (const origin of [EVIL, undefined]) {
        const no = await preflight(url, origin);
        assert.equal(no.statusCode, 403, `${url} from ${origin}`);
        assert.equal(no.json().error, 'origin_not_allowed');
        assertDenied(no, url);
      }
    }
    for (const url of ['/live/demo/master.m3u8', `/vod/${free.id}/${free.version}/master.m3u8`, `/vod/${paid.id}/poster.jpg`]) {
      const ok = await preflight(url, EVIL);
      assert.equal(ok.statusCode, 204, url);
      assert.equal(ok.headers['access-control-allow-origin'], '*');
    }
  });

  test('the raw fast path over a real socket sends the same CORS headers', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const url = `/live/paid/q/master.m3u8${signedQuery('/live/paid')}`;
    const ok = await rawRequest(port, rawGet(url, { host: HOST, origin: SHOP }));
    assert.equal(ok.status, 200);
    assert.match(ok.head, new RegExp(`\\r\\naccess-control-allow-origin: ${SHOP}\\r\\n`, 'i'));
    assert.match(ok.head, /\r\naccess-control-allow-credentials: true\r\n/i);
    assert.match(ok.head, /\r\nvary: Origin, Accept-Encoding\r\n/i);
    const evil = await rawRequest(port, rawGet(url, { host: HOST, origin: EVIL }));
    assert.equal(evil.status, 200);
    assert.doesNotMatch(evil.head, /access-control-allow-origin/i);
  });

  test('CORS_ORIGINS=* opens paid HLS and the API to any site, without credentials', async () => {
    const open = await buildTestApp({ live: staticLive(), env: { CORS_ORIGINS: '*' } });
    try {
      const url = `/live/paid/q/master.m3u8${(() => {
        const u = open.signer.signFolder('/live/paid', 'q/master.m3u8', { expiresAt: new Date(Date.now() + 3600_000) }).url;
        return u.slice(u.indexOf('?'));
      })()}`;
      for (const u of [url, '/api/catalog']) {
        const res = await open.app.inject({ url: u, headers: { host: HOST, origin: EVIL } });
        assert.equal(res.headers['access-control-allow-origin'], '*', u);
        assert.equal(res.headers['access-control-allow-credentials'], undefined, u);
      }
    } finally {
      await open.close();
    }
  });
});

describe('cookies over https: Secure as well', () => {
  test('PUBLIC_URL https: the viewer and CloudFront cookies are Secure, HttpOnly, SameSite=Lax', async () => {
    const t = await buildTestApp({ live: staticLive(), env: { PUBLIC_URL: 'https://tv.example.com' } });
    try {
      const { viewer, grant } = await buyAndPlay(t.app, { host: 'tv.example.com' });
      assert.match(viewer, /; HttpOnly; Secure; SameSite=Lax$/);
      for (const c of grant) assert.match(c, /; Path=\/live\/paid\/; Expires=[^;]+; HttpOnly; SameSite=Lax; Secure$/);
    } finally {
      await t.close();
    }
  });

  test('TRUST_PROXY and X-Forwarded-Proto: https: Secure; the same app over plain http: not', async () => {
    const t = await buildTestApp({ live: staticLive(), env: { TRUST_PROXY: 'true' } });
    try {
      const https = await buyAndPlay(t.app, { host: HOST, 'x-forwarded-proto': 'https' });
      assert.match(https.viewer, /; HttpOnly; Secure; SameSite=Lax$/);
      for (const c of https.grant) assert.match(c, /; HttpOnly; SameSite=Lax; Secure$/);
      const plain = await buyAndPlay(t.app, { host: HOST, 'x-forwarded-proto': 'http' });
      assert.match(plain.viewer, /; HttpOnly; SameSite=Lax$/);
      for (const c of plain.grant) assert.match(c, /; HttpOnly; SameSite=Lax$/);
    } finally {
      await t.close();
    }
  });
});
