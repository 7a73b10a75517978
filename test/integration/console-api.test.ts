import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClip } from '../helpers/media.ts';
import { buildTestApp, staticLive } from '../helpers/app.ts';

const HOST = 'localhost:8080';
const TOKEN = 'test-admin-token-0123456789';
const CHUNK = 64 * 1024;

type App = Awaited<ReturnType<typeof buildTestApp>>;

/** Signs in to the console: its cookie header and CSRF token. */
async function signIn(t: App): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/admin/session', headers: { host: HOST }, payload: { token: TOKEN } });
  assert.equal(res.statusCode, 200, res.body);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, csrf: (res.json() as { csrfToken: string }).csrfToken, setCookie };
}

describe('console API: sessions and CSRF', () => {
  let t: App;
  let clock = Date.parse('2026-12-03T10:00:00Z');
  before(async () => {
    t = await buildTestApp({ live: staticLive(), now: () => clock });
  });
  after(() => t.close());

  test('the admin token opens a session: an HttpOnly, SameSite=Strict cookie; a wrong token is refused', async () => {
    const wrong = await t.app.inject({ method: 'POST', url: '/api/admin/session', headers: { host: HOST }, payload: { token: 'nope' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error, 'bad_token');
    assert.equal(wrong.headers['set-cookie'], undefined);
    const { cookie, csrf, setCookie } = await signIn(t);
    assert.match(setCookie, /^bo_admin=[A-Za-z0-9_-]{43};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Max-Age=43200/);
    const again = await t.app.inject({ url: '/api/admin/session', headers: { host: HOST, cookie } });
    assert.equal(again.json().csrfToken, csrf);
    assert.equal((await t.app.inject({ url: '/api/admin/channels', headers: { host: HOST, cookie } })).statusCode, 200, 'reads need no CSRF token');
  });

  test('a change with the cookie needs the CSRF token; with it, it goes through; the bearer token needs none', async () => {
    const { cookie, csrf } = await signIn(t);
    const patch = (headers: Record<string, string>) => t.app.inject({ method: 'PATCH', url: '/api/admin/channels/paid', headers: { host: HOST, ...headers }, payload: { priceCents: 700 } });
    const forged = await patch({ cookie });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json().error, 'csrf_required');
    assert.equal(t.channels.get('paid')!.priceCents, 500, 'nothing changed');
    assert.equal((await patch({ cookie, 'x-csrf-token': 'x'.repeat(43) })).statusCode, 403, "another session's token is no token");
    assert.equal((await patch({ cookie, 'x-csrf-token': csrf })).statusCode, 200);
    assert.equal(t.channels.get('paid')!.priceCents, 700);
    assert.equal((await patch({ authorization: `Bearer ${TOKEN}` })).statusCode, 200);
  });

  test('sign-out ends the session; sessions expire after 12 hours', async () => {
    const a = await signIn(t);
    const out = await t.app.inject({ method: 'DELETE', url: '/api/admin/session', headers: { host: HOST, cookie: a.cookie, 'x-csrf-token': a.csrf } });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /bo_admin=;.*Max-Age=0/);
    assert.equal((await t.app.inject({ url: '/api/admin/channels', headers: { host: HOST, cookie: a.cookie } })).statusCode, 401);
    const b = await signIn(t);
    clock += 12 * 3600_000 - 1000;
    assert.equal((await t.app.inject({ url: '/api/admin/channels', headers: { host: HOST, cookie: b.cookie } })).statusCode, 200);
    clock += 2000;
    assert.equal((await t.app.inject({ url: '/api/admin/channels', headers: { host: HOST, cookie: b.cookie } })).statusCode, 401);
  });

  test('the console pages carry a CSP as strict as the player\'s, and are never cached', async () => {
    for (const p of ['/admin', '/admin/channels', '/admin/videos', '/admin/sales', '/admin/health']) {
      const page = await t.app.inject({ url: p, headers: { host: HOST } });
      assert.equal(page.statusCode, 200, p);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /connect-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(page.headers['x-frame-options'], 'DENY');
    }
  });
});

describe('console API: sign-in attempts are rate limited', () => {
  let t: App;
  before(async () => {
    t = await buildTestApp({ live: staticLive() });
  });
  after(() => t.close());

  test('the eleventh attempt within a minute from one address is refused with 429 and Retry-After', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/admin/session', headers: { host: HOST }, payload: { token: `guess-${i}` } });
      assert.equal(res.statusCode, 401);
    }
    const limited = await t.app.inject({ method: 'POST', url: '/api/admin/session', headers: { host: HOST }, payload: { token: TOKEN } });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});

describe('console API: resumable uploads into the bucket', () => {
  let t: App;
  let admin: Record<string, string>;
  let clip: Buffer;
  const kicked: number[] = [];
  before(async () => {
    t = await buildTestApp({ live: staticLive(), env: { UPLOAD_CHUNK_BYTES: String(CHUNK) }, kickJobs: () => void kicked.push(1) });
    const file = path.join(t.dataDir, 'clip.mp4');
    await makeClip(file, { seconds: 2, width: 320, height: 240 });
    clip = fs.readFileSync(file);
    const s = await signIn(t);
    admin = { host: HOST, cookie: s.cookie, 'x-csrf-token': s.csrf };
  });
  after(() => t.close());

  const put = (id: string, offset: number, bytes: Buffer) =>
    t.app.inject({ method: 'PUT', url: `/api/admin/uploads/${id}?offset=${offset}`, headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: bytes });

  test('chunks arrive in order, a wrong offset says where to resume, and the finished file is the uploaded bytes', async () => {
    assert.ok(clip.length > 2 * CHUNK, 'the clip takes several chunks');
    const created = await t.app.inject({ method: 'POST', url: '/api/admin/uploads', headers: admin, payload: { filename: '../../etc/My clip (final).mp4', size: clip.length } });
    assert.equal(created.statusCode, 201, created.body);
    const u = created.json() as { id: string; key: string; chunkSize: number; received: number };
    assert.equal(u.chunkSize, CHUNK);
    assert.match(u.key, /^uploads\/u_[0-9a-f]{16}\/My_clip__final_\.mp4$/, 'the name is one safe key segment');
    assert.equal((await put(u.id, 0, clip.subarray(0, CHUNK))).json().received, CHUNK);
    const stale = await put(u.id, 0, clip.subarray(0, CHUNK));
    assert.equal(stale.statusCode, 409, 'a repeated chunk (a retry after a lost answer) is not appended twice');
    assert.deepEqual(stale.json().received, CHUNK);
    const early = await t.app.inject({ method: 'POST', url: `/api/admin/uploads/${u.id}/complete`, headers: admin, payload: {} });
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().error, 'incomplete');
    const tooBig = await t.app.inject({ method: 'PUT', url: `/api/admin/uploads/${u.id}?offset=${CHUNK}`, headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(CHUNK + 1) });
    assert.equal(tooBig.statusCode, 413, 'a chunk over chunkSize is refused');
    // the browser reloads: it asks where the upload stands and goes on from there
    const resumed = (await t.app.inject({ url: `/api/admin/uploads/${u.id}`, headers: admin })).json() as { received: number };
    for (let offset = resumed.received; offset < clip.length; offset += CHUNK) {
      assert.equal((await put(u.id, offset, clip.subarray(offset, offset + CHUNK))).statusCode, 200);
    }
    const done = await t.app.inject({ method: 'POST', url: `/api/admin/uploads/${u.id}/complete`, headers: admin, payload: { title: 'My clip', priceCents: 250 } });
    assert.equal(done.statusCode, 202, done.body);
    const { id, jobId } = done.json() as { id: string; jobId: string };
    assert.deepEqual(await t.bucket.get(u.key), clip, 'the bucket holds exactly the uploaded bytes');
    const video = t.videos.get(id)!;
    assert.equal(video.title, 'My clip');
    assert.equal(video.priceCents, 250);
    assert.equal(t.videos.job(jobId)!.state, 'queued');
    assert.equal(kicked.length, 1, 'the packaging queue was told');
    assert.equal((await t.app.inject({ url: `/api/admin/uploads/${u.id}`, headers: admin })).statusCode, 404, 'the upload is finished');
    assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'uploads')), [], 'nothing staged is left');
  });

  test('a file that is not a video is refused at completion and nothing is stored', async () => {
    const junk = Buffer.from('this is not a video at all'.repeat(100));
    const u = (await t.app.inject({ method: 'POST', url: '/api/admin/uploads', headers: admin, payload: { filename: 'notes.mp4', size: junk.length } })).json() as { id: string; key: string };
    assert.equal((await put(u.id, 0, junk)).statusCode, 200);
    const videosBefore = t.videos.list().length;
    const done = await t.app.inject({ method: 'POST', url: `/api/admin/uploads/${u.id}/complete`, headers: admin, payload: {} });
    assert.equal(done.statusCode, 400);
    assert.equal(done.json().error, 'not_a_video');
    assert.equal(await t.bucket.head(u.key), undefined);
    assert.equal(t.videos.list().length, videosBefore);
  });

  test('bad uploads get clear errors: no size, a size over the limit, an unknown id, a chunk past the size, no CSRF token', async () => {
    const create = (payload: unknown, headers = admin) => t.app.inject({ method: 'POST', url: '/api/admin/uploads', headers, payload: payload as Record<string, unknown> });
    assert.equal((await create({ filename: 'a.mp4' })).json().error, 'invalid_upload');
    assert.equal((await create({ filename: 'a.mp4', size: 200 * 1024 ** 3 })).json().error, 'invalid_upload');
    assert.equal((await create({ filename: '...', size: 10 })).json().error, 'invalid_upload');
    assert.equal((await create({ filename: 'a.mp4', size: 10 }, { host: HOST, cookie: admin.cookie! })).statusCode, 403);
    assert.equal((await put('u_0000000000000000', 0, Buffer.from('x'))).statusCode, 404);
    assert.equal((await put('../../x', 0, Buffer.from('x'))).statusCode, 404);
    const u = (await create({ filename: 'small.mp4', size: 4 })).json() as { id: string };
    assert.equal((await put(u.id, 0, Buffer.from('12345'))).json().error, 'invalid_upload');
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/admin/uploads/${u.id}`, headers: admin })).statusCode, 204);
    assert.equal((await put(u.id, 0, Buffer.from('1234'))).statusCode, 404, 'a cancelled upload is gone');
  });
});

describe('console API: channels, videos, sales, refunds, health', () => {
  let t: App;
  let admin: Record<string, string>;
  const now = Date.parse('2026-12-03T10:00:00Z');
  before(async () => {
    t = await buildTestApp({ live: staticLive(), now: () => now });
    const s = await signIn(t);
    admin = { host: HOST, cookie: s.cookie, 'x-csrf-token': s.csrf };
  });
  after(() => t.close());

  test('the channel list shows state, viewers, OBS settings; a rotated key replaces the old one', async () => {
    const { channels } = (await t.app.inject({ url: '/api/admin/channels', headers: admin })).json() as { channels: Array<Record<string, unknown>> };
    const paid = channels.find((c) => c.id === 'paid')!;
    assert.equal(paid.state, 'live');
    assert.equal(paid.viewers, 0);
    assert.match(String((paid.obs as { server: string }).server), /^rtmp:\/\/.*\/cfx\/st$/);
    const oldKey = t.channels.get('paid')!.streamKey;
    const rotated = await t.app.inject({ method: 'POST', url: '/api/admin/channels/paid/stream-key', headers: admin });
    assert.equal(rotated.statusCode, 200);
    const { streamKey } = rotated.json() as { streamKey: string };
    assert.notEqual(streamKey, oldKey);
    assert.equal(t.channels.findByStreamKey(oldKey), undefined, 'the old key opens nothing');
    assert.equal(t.channels.findByStreamKey(streamKey)?.id, 'paid');
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/admin/channels/nope/stream-key', headers: admin })).statusCode, 404);
    const thumb = await t.app.inject({ url: '/api/admin/channels/paid/thumbnail.jpg', headers: admin });
    assert.equal(thumb.statusCode, 404, 'no segment file to cut a frame from');
  });

  test('viewers now: distinct viewers reloading a playlist within 30 s, in the channel list and /metrics', async () => {
    for (const v of ['a', 'b', 'c', 'a']) await t.app.inject({ url: '/live/demo/240p.m3u8', headers: { host: HOST, cookie: `bo_viewer=v_${v.repeat(22)}.x` } });
    const { channels } = (await t.app.inject({ url: '/api/admin/channels', headers: admin })).json() as { channels: Array<{ id: string; viewers: number }> };
    assert.equal(channels.find((c) => c.id === 'demo')!.viewers, 3);
    const metrics = (await t.app.inject({ url: '/metrics', headers: { host: HOST } })).body;
    assert.match(metrics, /boxoffice_viewers\{item="demo"\} 3/);
  });

  test('videos: retitle, reprice, delete (its files and its uploaded source leave the bucket)', async () => {
    await t.bucket.put('uploads/u_00000000000000aa/a.mp4', Buffer.from('source'));
    const { video } = t.videos.register({ sourceKey: 'uploads/u_00000000000000aa/a.mp4', title: 'A', priceCents: 100 }, now);
    t.videos.publish(video.id, '00000000000000a1', 6, now);
    await t.bucket.put(`vod/${video.id}/00000000000000a1/master.m3u8`, Buffer.from('#EXTM3U\n'));
    const listed = ((await t.app.inject({ url: '/api/admin/videos', headers: admin })).json() as { videos: Array<Record<string, unknown>> }).videos.find((v) => v.id === video.id)!;
    assert.equal((listed.job as { state: string }).state, 'queued');
    assert.equal(listed.posterUrl, `/vod/${video.id}/poster.jpg`);
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/admin/videos/${video.id}`, headers: admin, payload: { title: 'A (director’s cut)', priceCents: 300 } });
    assert.equal(patched.statusCode, 200);
    assert.equal(t.videos.get(video.id)!.priceCents, 300);
    assert.equal((await t.app.inject({ method: 'PATCH', url: `/api/admin/videos/${video.id}`, headers: admin, payload: { priceCents: -1 } })).statusCode, 400);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/admin/videos/${video.id}`, headers: admin })).statusCode, 204);
    assert.equal(t.videos.get(video.id), undefined);
    assert.deepEqual(await t.bucket.list(`vod/${video.id}/`), []);
    assert.equal(await t.bucket.head('uploads/u_00000000000000aa/a.mp4'), undefined);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/admin/videos/${video.id}`, headers: admin })).statusCode, 404);
  });

  test('sales: purchases with their state, totals per item and per day, CSV; a refund ends the access at once', async () => {
    const viewerCookie = String((await t.app.inject({ url: '/', headers: { host: HOST } })).headers['set-cookie']).split(';')[0]!;
    const viewerId = viewerCookie.split('=')[1]!.split('.')[0]!;
    const grant = (session: string, paidAt: number, email?: string) =>
      t.purchases.grant({ sessionId: session, paymentIntent: session, viewerId, itemId: 'paid', email, amountCents: 500, currency: 'usd', paidAt }, paidAt + 24 * 3600_000);
    grant('demo_one', now - 3600_000, '=HYPERLINK("x")@example.com');
    grant('demo_two', now - 26 * 3600_000);
    const sales = (await t.app.inject({ url: '/api/admin/sales', headers: admin })).json() as {
      purchases: Array<{ sessionId: string; state: string; access: string; title: string }>;
      totals: { byItem: Array<{ itemId: string; sold: number; grossCents: number; netCents: number }>; byDay: Array<{ day: string; sold: number }> };
    };
    assert.deepEqual(sales.purchases.map((p) => [p.sessionId, p.state, p.access, p.title]), [['demo_one', 'paid', 'running', 'Paid'], ['demo_two', 'paid', 'ended', 'Paid']]);
    assert.deepEqual(sales.totals.byItem.map((r) => [r.itemId, r.sold, r.grossCents, r.netCents]), [['paid', 2, 1000, 1000]]);
    assert.deepEqual(sales.totals.byDay.map((r) => [r.day, r.sold]), [['2026-12-03', 1], ['2026-12-02', 1]]);
    assert.equal((await t.app.inject({ url: '/api/playback/paid', headers: { host: HOST, cookie: viewerCookie } })).statusCode, 200, 'the buyer has access');

    const refund = await t.app.inject({ method: 'POST', url: '/api/admin/purchases/demo_one/refund', headers: admin });
    assert.equal(refund.statusCode, 200, refund.body);
    assert.equal((await t.app.inject({ url: '/api/playback/paid', headers: { host: HOST, cookie: viewerCookie } })).statusCode, 402, 'access ended with the refund');
    const again = await t.app.inject({ method: 'POST', url: '/api/admin/purchases/demo_one/refund', headers: admin });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error, 'not_refundable');
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/admin/purchases/nope/refund', headers: admin })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/admin/purchases/demo_two/refund', headers: { host: HOST, cookie: admin.cookie! } })).statusCode, 403, 'no refund without the CSRF token');

    const after = (await t.app.inject({ url: '/api/admin/sales', headers: admin })).json() as typeof sales;
    assert.equal(after.purchases.find((p) => p.sessionId === 'demo_one')!.state, 'refunded');
    assert.deepEqual(after.totals.byItem.map((r) => [r.sold, r.grossCents, r.netCents]), [[2, 1000, 500]]);

    const csv = await t.app.inject({ url: '/api/admin/sales.csv', headers: admin });
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="sales-2026-12-03\.csv"/);
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines[0], 'paid_at,session_id,item_id,title,email,amount,currency,state,access');
    assert.equal(lines[1], `2026-12-03T09:00:00.000Z,demo_one,paid,Paid,"'=HYPERLINK(""x"")@example.com",5.00,USD,refunded,revoked`, 'a formula is never run by a spreadsheet');
    assert.equal(lines.length, 3);
  });

  test('health: signing key id, disk, jobs, ingest', async () => {
    const h = (await t.app.inject({ url: '/api/admin/health', headers: admin })).json() as Record<string, any>;
    assert.equal(h.signing.keyPairId, t.keys.keyPairId);
    assert.ok(h.disk.totalBytes > 0 && h.disk.freeBytes > 0 && h.disk.freeBytes <= h.disk.totalBytes);
    assert.deepEqual(Object.keys(h.jobs).sort(), ['done', 'failed', 'queued', 'running']);
    assert.equal(h.ingest.publishers, 0);
    assert.equal(h.node, process.version);
    assert.equal((await t.app.inject({ url: '/api/admin/health', headers: { host: HOST } })).statusCode, 401);
  });

  test('/metrics: prom-client defaults, event-loop lag and request duration histograms by route', async () => {
    await t.app.inject({ url: '/api/catalog', headers: { host: HOST } });
    await t.app.inject({ url: '/live/demo/240p.m3u8', headers: { host: HOST } });
    const body = (await t.app.inject({ url: '/metrics', headers: { host: HOST } })).body;
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) {
      assert.match(body, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(body, /^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/catalog",status_code="200"\} \d+/m);
    assert.match(body, /^http_request_duration_seconds_count\{method="GET",route="\/api\/admin\/sales",status_code="200"\} \d+/m);
    assert.match(body, /^# TYPE boxoffice_live_channel_state gauge/m);
    assert.match(body, /^# TYPE boxoffice_transcoder_restarts_total counter/m);
  });
});
