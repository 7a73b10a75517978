import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, staticLive } from '../helpers/app.ts';
import { tamperedLink } from '../helpers/path-token.ts';

const HOST = 'localhost:8080';
const ORIGIN = 'http://localhost:8080';
type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

/** A new viewer's cookie. */
const viewer = async (t: TestApp): Promise<string> => String((await t.app.inject({ url: '/', headers: { host: HOST } })).headers['set-cookie']).split(';')[0]!;

/** Buys an item through the demo checkout, as the page's form does. */
async function buy(t: TestApp, cookie: string, itemId: string): Promise<void> {
  const started = await t.app.inject({ method: 'POST', url: '/api/checkout', headers: { host: HOST, cookie }, payload: { itemId } });
  const page = new URL(started.json().url).pathname;
  const paid = await t.app.inject({ method: 'POST', url: page, headers: { host: HOST, cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
  await t.app.inject({ url: paid.headers.location as string, headers: { host: HOST, cookie } });
}

/** `/api/playback/<item>?player=url` for a viewer. */
const linkOf = async (t: TestApp, cookie: string, itemId: string): Promise<string> =>
  (await t.app.inject({ url: `/api/playback/${itemId}?player=url`, headers: { host: HOST, cookie } })).json().url as string;

const get = (t: TestApp, url: string, headers: Record<string, string> = {}) => t.app.inject({ url: url.replace(ORIGIN, ''), headers: { host: HOST, ...headers } });

describe('playback links with the signature in the path (?player=url)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ live: staticLive() });
  });
  after(() => t.close());

  test('only "url" is understood; a free item gets its plain URL; a paid one needs a purchase first', async () => {
    const cookie = await viewer(t);
    const bad = await t.app.inject({ url: '/api/playback/paid?player=vlc', headers: { host: HOST, cookie } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error, 'invalid_request');
    assert.equal(await linkOf(t, cookie, 'demo'), `${ORIGIN}/live/demo/master.m3u8`);
    assert.equal((await t.app.inject({ url: '/api/playback/paid?player=url', headers: { host: HOST, cookie } })).statusCode, 402);
  });

  test('a bought channel: the link opens its plain playlists and segments with no cookie; forged or missing tokens get 403', async () => {
    const cookie = await viewer(t);
    await buy(t, cookie, 'paid');
    const res = await t.app.inject({ url: '/api/playback/paid?player=url', headers: { host: HOST, cookie } });
    assert.equal(res.headers['set-cookie'], undefined, 'the link form sets no signed cookies: it needs none');
    const link = res.json().url as string;
    assert.match(link, /^http:\/\/localhost:8080\/live\/paid\/s\/[A-Za-z0-9_-]+\/master\.m3u8$/);
    assert.equal(res.json().dvrUrl, link.replace('master.m3u8', 'dvr.m3u8'));
    const master = await get(t, link);
    assert.equal(master.statusCode, 200);
    assert.match(master.body, /#plain/, 'the plain variant: no variable substitution needed');
    const segment = await get(t, link.replace('master.m3u8', 'rabcd/240p/0.ts'));
    assert.equal(segment.body, 'segment bytes');
    // a CDN caches token paths by path: nothing may be cached longer than the token lives (24 h here)
    const maxAge = Number(/max-age=(\d+)/.exec(String(segment.headers['cache-control']))?.[1]);
    assert.ok(maxAge > 86_000 && maxAge <= 86_400, String(segment.headers['cache-control']));
    assert.doesNotMatch(String(segment.headers['cache-control']), /immutable/);
    assert.equal((await get(t, tamperedLink(link))).statusCode, 403);
    assert.equal((await get(t, tamperedLink(link).replace('master.m3u8', 'rabcd/240p/0.ts'))).statusCode, 403);
    assert.equal((await get(t, link.replace(/\/s\/[^/]+/, '/s/not-a-token'))).statusCode, 403);
    assert.equal((await get(t, link.replace(/\/s\/[^/]+/, ''))).statusCode, 403, 'without the token the path is unsigned');
    assert.equal((await get(t, link.replace('/live/paid/', '/live/other/'))).statusCode, 404);
  });
});

describe('path tokens behind a CDN (ENFORCE_SIGNATURES=false): the origin checks them, since the CDN cannot', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ live: staticLive(), env: { ENFORCE_SIGNATURES: 'false' } });
  });
  after(() => t.close());

  test('a forged token is refused by the origin; a real one opens the playlists', async () => {
    const cookie = await viewer(t);
    assert.equal((await get(t, `${ORIGIN}/live/paid/master.m3u8`)).statusCode, 200, 'the query and cookie forms are the CDN\'s to check');
    await buy(t, cookie, 'paid');
    const link = await linkOf(t, cookie, 'paid');
    assert.equal((await get(t, link)).statusCode, 200);
    assert.equal((await get(t, tamperedLink(link))).statusCode, 403);
    assert.match(await linkOf(t, cookie, 'demo'), /\/live\/demo\/s\/[A-Za-z0-9_-]+\/master\.m3u8$/, 'behind a CDN free items are signed too');
  });
});
