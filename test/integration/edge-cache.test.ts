import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEdge, type Edge } from '../helpers/edge.ts';
import { makeClip } from '../helpers/media.ts';
import { freePort, spawnChild, startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'edge-secret-0123456789abcdef';

/** A viewer of the edge: its own cookie jar (viewer cookie, CloudFront cookies) and what it bought. */
class EdgeViewer {
  private readonly jar = new Map<string, string>();
  constructor(private readonly base: string) {}
  async get(p: string, opts: { cookies?: boolean; redirect?: RequestRedirect } = {}): Promise<Response> {
    return this.request(p, { redirect: opts.redirect ?? 'manual' }, opts.cookies ?? true);
  }
  async request(p: string, init: RequestInit, cookies = true): Promise<Response> {
    const headers = new Headers(init.headers);
    if (cookies && this.jar.size > 0) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}${p}`, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }
  /** Buys an item through the demo checkout, all through the edge; resolves with the signed playback URL. */
  async buy(itemId: string): Promise<string> {
    await this.get('/');
    const started = await this.request('/api/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ itemId }) });
    assert.equal(started.status, 200, await started.clone().text());
    const checkout = new URL(((await started.json()) as { url: string }).url).pathname;
    const paid = await this.request(checkout, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
    assert.equal(paid.status, 303);
    await this.get(paid.headers.get('location')!);
    const playback = await this.get(`/api/playback/${itemId}`);
    assert.equal(playback.status, 200, await playback.clone().text());
    return ((await playback.json()) as { url: string }).url;
  }
  /** Drops the CloudFront cookies (keeps the viewer cookie): the signed-URL-only case. */
  dropSignedCookies(): void {
    for (const k of [...this.jar.keys()]) if (k.startsWith('CloudFront-')) this.jar.delete(k);
  }
}

/** Plays an RTMP URL for a second with ffmpeg: its exit code and what it printed. */
async function playRtmp(url: string): Promise<{ code: number | null; said: string }> {
  const child = spawnChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rw_timeout', '8000000', '-i', url, '-t', '1', '-f', 'null', '-']);
  let said = '';
  child.proc.stderr!.on('data', (d: Buffer) => (said += d.toString()));
  return { code: await child.exited, said };
}

/** The query of a signed URL (Policy, Signature, Key-Pair-Id), as hls.js substitutes it into q/ playlists. */
const queryOf = (url: string): string => url.slice(url.indexOf('?') + 1);

/** The paths a playlist at `from` lists (relative URIs resolved, queries dropped: the caller adds the signature). */
const listedPaths = (playlist: string, from: string): string[] =>
  playlist.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => new URL(l.split('?')[0]!, `http://edge${from}`).pathname);

describe('behind the edge: a CloudFront-like cache (nginx) checks signatures and caches by path', () => {
  let server: TestServer;
  let edge: Edge;
  let edgePort: number;
  const publishers: Child[] = [];
  let paidKey: string;

  before(async () => {
    edgePort = await freePort();
    server = await startServer({ PUBLIC_URL: `http://127.0.0.1:${edgePort}`, ENFORCE_SIGNATURES: 'false', TRUST_PROXY: 'true', ORIGIN_SECRET: SECRET });
    paidKey = (await createChannel(server, 'edge-paid', { priceCents: 300, headers: { 'x-origin-secret': SECRET } })).streamKey;
    edge = await startEdge({ originPort: server.httpPort, dataDir: server.dataDir, originSecret: SECRET, port: edgePort });
    publishers.push(startPublisher(server.rtmpUrl(paidKey)));
    await waitFor('the paid channel on air', async () => (await fetch(`${server.baseUrl}/live/edge-paid/240p.m3u8`, { headers: { 'x-origin-secret': SECRET } })).status === 200, 30_000);
  });
  after(async () => {
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await edge?.stop();
    await server.stop();
  });

  test('a viewer without a signature is refused at the edge with CloudFront\'s answer; the origin never sees it', async () => {
    const res = await fetch(`${edge.baseUrl}/live/edge-paid/master.m3u8`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
    assert.equal(edge.hits().at(-1)?.cache, '-', 'answered before the cache and the origin');
    const tampered = await fetch(`${edge.baseUrl}/live/edge-paid/q/master.m3u8?Policy=x&Signature=y&Key-Pair-Id=K1`);
    assert.equal(tampered.status, 403);
  });

  test('the origin refuses requests that bypass the edge (no X-Origin-Secret), but not its health check', async () => {
    const direct = await fetch(`${server.baseUrl}/live/edge-paid/master.m3u8`);
    assert.equal(direct.status, 403);
    assert.equal(((await direct.json()) as { error: string }).error, 'edge_required');
    assert.equal((await fetch(`${server.baseUrl}/api/catalog`)).status, 403);
    assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.baseUrl}/live/edge-paid/master.m3u8`, { headers: { 'x-origin-secret': `${SECRET}x` } })).status, 403);
  });

  test('RTMP play of the paid channel still needs a signature at the origin (RTMP never passes the CDN)', async () => {
    const { code, said } = await playRtmp(server.rtmpUrl('edge-paid'));
    assert.notEqual(code, 0);
    assert.match(said, /Server error: a valid signature is required/);
    assert.match(server.output(), /rtmp connection refused: paid channel, signature refused/);
  });

  test('two buyers with signed URLs are served from one cache entry per playlist and segment', async () => {
    const [a, b] = [new EdgeViewer(edge.baseUrl), new EdgeViewer(edge.baseUrl)];
    const urlA = await a.buy('edge-paid');
    await new Promise((r) => setTimeout(r, 1100)); // a policy's expiry is in whole seconds: a second later, another signature
    const urlB = await b.buy('edge-paid');
    assert.notEqual(queryOf(urlA), queryOf(urlB), 'two purchases, two signatures');
    a.dropSignedCookies();
    b.dropSignedCookies();
    const master = new URL(urlA).pathname;
    const masterA = await (await a.get(`${master}?${queryOf(urlA)}`, { cookies: false })).text();
    const variant = listedPaths(masterA, master).find((u) => u.endsWith('/240p.m3u8'))!;
    const playlistUrl = (q: string): string => `${variant}?${q}`;
    const listA = await a.get(playlistUrl(queryOf(urlA)), { cookies: false });
    assert.equal(listA.status, 200);
    const bodyA = await listA.text();
    const segPath = listedPaths(bodyA, variant).find((u) => u.endsWith('.ts'))!;
    const first = await a.get(`${segPath}?${queryOf(urlA)}`, { cookies: false });
    assert.equal(first.status, 200);
    const second = await b.get(`${segPath}?${queryOf(urlB)}`, { cookies: false });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-cache'), 'HIT', 'the second buyer\'s segment comes from the cache');
    assert.deepEqual(Buffer.from(await second.arrayBuffer()), Buffer.from(await first.arrayBuffer()));
    const listB = await b.get(playlistUrl(queryOf(urlB)), { cookies: false });
    assert.equal(listB.status, 200);
    if (listB.headers.get('x-cache') === 'HIT') assert.equal(await listB.text(), bodyA, 'one cached playlist for every holder');
    const originRequests = edge.hits().filter((h) => h.uri === segPath && h.cache === 'MISS').length;
    assert.equal(originRequests, 1, 'the segment was fetched from the origin once');
  });

  test('signed cookies alone open the plain playlists at the edge; q/ and plain never cross', async () => {
    const viewer = new EdgeViewer(edge.baseUrl);
    await viewer.buy('edge-paid');
    const plain = await viewer.get('/live/edge-paid/240p.m3u8');
    assert.equal(plain.status, 200);
    const plainBody = await plain.text();
    assert.doesNotMatch(plainBody, /\{\$/, 'the plain playlist has no variable substitution');
    const q = await viewer.get('/live/edge-paid/q/240p.m3u8');
    assert.equal(q.status, 200, 'cookies open q/ too');
    assert.match(await q.text(), /#EXT-X-DEFINE:QUERYPARAM/);
    const again = await viewer.get('/live/edge-paid/240p.m3u8');
    assert.doesNotMatch(await again.text(), /\{\$/, 'the plain path never gets the q/ body from the cache');
    assert.equal((await new EdgeViewer(edge.baseUrl).get('/live/edge-paid/240p.m3u8')).status, 403, 'no cookies, no playlist');
  });

  test('a live playlist from the edge is never staler than its max-age', async () => {
    const viewer = new EdgeViewer(edge.baseUrl);
    await viewer.buy('edge-paid');
    const maxAge = Number(/max-age=(\d+)/.exec((await viewer.get('/live/edge-paid/240p.m3u8')).headers.get('cache-control') ?? '')?.[1]);
    assert.ok(Number.isFinite(maxAge));
    const sequenceOf = (body: string): number => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(body)?.[1]) + body.split('\n').filter((l) => l.includes('.ts')).length;
    const origin: Array<{ at: number; last: number }> = [];
    const seen: Array<{ at: number; last: number }> = [];
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      const [o, e] = await Promise.all([
        fetch(`${server.baseUrl}/live/edge-paid/240p.m3u8`, { headers: { 'x-origin-secret': SECRET } }).then((r) => r.text()),
        viewer.get('/live/edge-paid/240p.m3u8').then((r) => r.text()),
      ]);
      origin.push({ at: Date.now(), last: sequenceOf(o) });
      seen.push({ at: Date.now(), last: sequenceOf(e) });
      await new Promise((r) => setTimeout(r, 100));
    }
    // whatever the origin listed (maxAge + 0.5) s ago, the edge lists now
    for (const s of seen) {
      const older = origin.filter((o) => o.at <= s.at - (maxAge + 0.5) * 1000).at(-1);
      if (older) assert.ok(s.last >= older.last, `edge at ${s.last} while the origin had ${older.last} over ${maxAge}s earlier`);
    }
    assert.ok(seen.at(-1)!.last > seen[0]!.last, 'the edge followed the live edge');
  });

  test('VOD: the unversioned 302 and the versioned files are cached correctly, and survive an origin restart', async () => {
    const media = path.join(server.dataDir, 'media', 'videos');
    fs.mkdirSync(media, { recursive: true });
    await makeClip(path.join(media, 'edge.mp4'), { seconds: 4, width: 320, height: 240, fps: 15 });
    const admin = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', 'x-origin-secret': SECRET };
    const created = await fetch(`${server.baseUrl}/api/admin/videos`, { method: 'POST', headers: admin, body: JSON.stringify({ source: 'videos/edge.mp4', title: 'Edge', priceCents: 200 }) });
    assert.equal(created.status, 202, await created.clone().text());
    const { id, jobId } = (await created.json()) as { id: string; jobId: string };
    await waitFor('packaging', async () => ((await (await fetch(`${server.baseUrl}/api/admin/jobs/${jobId}`, { headers: admin })).json()) as { state: string }).state === 'done', 60_000, 200);
    const viewer = new EdgeViewer(edge.baseUrl);
    const url = await viewer.buy(id);
    viewer.dropSignedCookies();
    const signed = queryOf(url);
    const redirect = await viewer.get(`/vod/${id}/master.m3u8?${signed}`, { cookies: false });
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location')!;
    assert.match(location, new RegExp(`/vod/${id}/[0-9a-f]{16}/master\\.m3u8$`));
    assert.match(redirect.headers.get('cache-control') ?? '', /max-age=\d+/);
    // the playback URL names the current version: no redirect that a CDN would strip the signature from
    const qMaster = new URL(url).pathname;
    assert.match(qMaster, new RegExp(`^/vod/${id}/[0-9a-f]{16}/q/master\\.m3u8$`));
    const master = await viewer.get(`${qMaster}?${signed}`, { cookies: false });
    assert.equal(master.status, 200);
    const rung = listedPaths(await master.text(), qMaster)[0]!;
    const rungList = await viewer.get(`${rung}?${signed}`, { cookies: false });
    assert.equal(rungList.status, 200, rung);
    const segments = listedPaths(await rungList.text(), rung);
    for (const s of segments) assert.equal((await viewer.get(`${s}?${signed}`, { cookies: false })).status, 200, s);
    const again = await viewer.get(`${segments[0]}?${signed}`, { cookies: false });
    assert.equal(again.headers.get('x-cache'), 'HIT');
    assert.match(again.headers.get('cache-control') ?? '', /immutable/);

    // the origin restarts on the same port: the edge keeps answering from its cache, then from the new origin
    const { httpPort, dataDir } = server;
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server.stop({ keepData: true });
    for (const s of segments) {
      const res = await viewer.get(`${s}?${signed}`, { cookies: false });
      assert.equal(res.status, 200, `${s} while the origin is down`);
    }
    server = await startServer({ PUBLIC_URL: `http://127.0.0.1:${edgePort}`, ENFORCE_SIGNATURES: 'false', TRUST_PROXY: 'true', ORIGIN_SECRET: SECRET }, { dataDir, httpPort });
    const fresh = await viewer.get(`/vod/${id}/master.m3u8?${signed}`, { cookies: false });
    assert.equal(fresh.status, 302);
    assert.equal((await viewer.get(`${rung}?${signed}`, { cookies: false })).status, 200);
  });
});
