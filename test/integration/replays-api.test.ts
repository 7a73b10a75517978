import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runReplayCommand } from '../../server/cli/replay-commands.ts';
import type { ReplayInput } from '../../server/db/video-repository.ts';
import { versionPrefix } from '../../server/storage/vod-keys.ts';
import { buildTestApp, staticLive } from '../helpers/app.ts';

const HOST = 'localhost:8080';
const SHOW_END = Date.parse('2026-12-01T21:00:00Z');

describe('replays: catalog, access, admin API and CLI', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const replay = (id: string, version: string, session: string): ReplayInput => ({
    id, channelId: 'paid', sourceKey: `replay:paid/${session}`, title: `Paid – ${session}`, priceCents: 500, currency: 'usd', version,
    durationSec: 6, recordedFrom: SHOW_END - 3600_000, recordedUntil: SHOW_END,
  });
  const files = ['master.m3u8', 'q/master.m3u8', '240p.m3u8', 'q/240p.m3u8', '240p/0.ts', 'poster.jpg'];
  const admin = { host: HOST, authorization: 'Bearer test-admin-token-0123456789' };

  before(async () => {
    t = await buildTestApp({ live: staticLive(), now: () => SHOW_END + 3600_000 });
    for (const [id, version, session] of [['v_000000000001', '00000000000000a1', 's1'], ['v_000000000002', '00000000000000b2', 's2']] as const) {
      for (const f of files) await t.bucket.put(`${versionPrefix(id, version)}/${f}`, Buffer.from(f.endsWith('.m3u8') ? '#EXTM3U\n' : f));
      t.videos.addReplay(replay(id, version, session), SHOW_END);
    }
  });
  after(() => t.close());

  const viewer = async (): Promise<{ cookie: string; id: string }> => {
    const cookie = String((await t.app.inject({ url: '/', headers: { host: HOST } })).headers['set-cookie']).split(';')[0]!;
    return { cookie, id: cookie.split('=')[1]!.split('.')[0]! };
  };
  const buy = (viewerId: string, itemId: string, paidAt: number): void =>
    void t.purchases.grant({ sessionId: `cs_${viewerId}_${itemId}_${paidAt}`, paymentIntent: undefined, viewerId, itemId, email: undefined, amountCents: 500, currency: 'usd', paidAt }, paidAt + 24 * 3600_000);

  test('a replay is in the catalog as a video of its channel, priced on its own', async () => {
    const { items } = (await t.app.inject({ url: '/api/catalog', headers: { host: HOST } })).json() as { items: Array<Record<string, unknown>> };
    const r = items.find((i) => i.id === 'v_000000000001')!;
    assert.equal(r.kind, 'vod');
    assert.equal(r.priceCents, 500);
    assert.deepEqual(r.replay, { channelId: 'paid', from: '2026-12-01T20:00:00.000Z', until: '2026-12-01T21:00:00.000Z' });
  });

  test('a channel purchase bought before the show ended and still running covers its replay; one bought after does not', async () => {
    const early = await viewer();
    buy(early.id, 'paid', SHOW_END - 600_000);
    const ok = await t.app.inject({ url: '/api/playback/v_000000000001', headers: { host: HOST, cookie: early.cookie } });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.json().url, /\/vod\/v_000000000001\/00000000000000a1\/q\/master\.m3u8\?Policy=/);
    assert.equal(ok.json().dvrUrl, undefined, 'no DVR for a video');
    const listed = (await t.app.inject({ url: '/api/catalog', headers: { host: HOST, cookie: early.cookie } })).json().items.find((i: { id: string }) => i.id === 'v_000000000001');
    assert.ok(listed.accessUntil, 'the catalog shows the access');

    const late = await viewer();
    buy(late.id, 'paid', SHOW_END + 60_000);
    assert.equal((await t.app.inject({ url: '/api/playback/v_000000000001', headers: { host: HOST, cookie: late.cookie } })).statusCode, 402);
    const nobody = await viewer();
    assert.equal((await t.app.inject({ url: '/api/playback/v_000000000001', headers: { host: HOST, cookie: nobody.cookie } })).statusCode, 402);
    buy(nobody.id, 'v_000000000001', SHOW_END + 60_000);
    assert.equal((await t.app.inject({ url: '/api/playback/v_000000000001', headers: { host: HOST, cookie: nobody.cookie } })).statusCode, 200, 'a replay bought on its own plays');
  });

  test('the admin API lists, retitles, prices and refuses bad changes', async () => {
    assert.equal((await t.app.inject({ url: '/api/admin/replays', headers: { host: HOST } })).statusCode, 401);
    const list = (await t.app.inject({ url: '/api/admin/replays?channel=paid', headers: admin })).json().replays as Array<{ id: string }>;
    assert.deepEqual(list.map((r) => r.id).sort(), ['v_000000000001', 'v_000000000002']);
    assert.deepEqual((await t.app.inject({ url: '/api/admin/replays?channel=demo', headers: admin })).json().replays, []);
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/admin/replays/v_000000000002', headers: admin, payload: { title: 'Finale', priceCents: 0 } });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().title, 'Finale');
    assert.equal((await t.app.inject({ url: '/api/playback/v_000000000002', headers: { host: HOST } })).statusCode, 200, 'now free');
    for (const payload of [{ title: '' }, { priceCents: -1 }, {}, { priceCents: 1.5 }]) {
      const bad = await t.app.inject({ method: 'PATCH', url: '/api/admin/replays/v_000000000002', headers: admin, payload });
      assert.equal(bad.statusCode, 400, JSON.stringify(payload));
    }
    assert.equal(t.videos.get('v_000000000002')!.title, 'Finale', 'refused changes change nothing');
    assert.equal((await t.app.inject({ method: 'PATCH', url: '/api/admin/replays/v_nope', headers: admin, payload: { title: 'x' } })).statusCode, 404);
  });

  test('the CLI lists, retitles and prices replays', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const deps = { videos: t.videos, bucket: t.bucket, out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), publicUrl: 'http://localhost:8080' };
    const run = (...words: string[]) => runReplayCommand({ positional: words, flags: new Map() }, deps);
    assert.equal(await run('list'), 0);
    assert.equal(out.length, 2);
    assert.match(out.join('\n'), /v_000000000001 +paid +5\.00 USD/);
    assert.equal(await run('retitle', 'v_000000000001', 'Opening', 'night'), 0);
    assert.equal(t.videos.get('v_000000000001')!.title, 'Opening night');
    assert.equal(await run('price', 'v_000000000001', '2.99'), 0);
    assert.equal(t.videos.get('v_000000000001')!.priceCents, 299);
    assert.equal(await run('price', 'v_000000000001'), 1, 'a price is required');
    assert.equal(await run('price', 'v_000000000001', 'abc'), 1);
    assert.equal(await run('delete', 'v_nope'), 1);
    assert.equal(t.videos.get('v_000000000001')!.priceCents, 299);
  });

  test('deleting a replay removes its files and its catalog entry, and nothing of another', async () => {
    const del = await t.app.inject({ method: 'DELETE', url: '/api/admin/replays/v_000000000001', headers: admin });
    assert.equal(del.statusCode, 200);
    assert.equal(del.json().files, files.length);
    assert.deepEqual(await t.bucket.list('vod/v_000000000001/'), []);
    assert.equal((await t.bucket.list('vod/v_000000000002/')).length, files.length, 'the other replay keeps its files');
    assert.equal(t.videos.get('v_000000000001'), undefined);
    assert.equal((await t.app.inject({ url: '/api/playback/v_000000000001', headers: { host: HOST } })).statusCode, 404);
    assert.equal((await t.app.inject({ url: '/vod/v_000000000001/00000000000000a1/240p/0.ts', headers: { host: HOST } })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/admin/replays/v_000000000001', headers: admin })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/admin/replays/demo', headers: admin })).statusCode, 404, 'a channel is not a replay');
  });
});
