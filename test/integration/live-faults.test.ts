/**
 * Faults (issue 8): one test per fault, each against a real origin process, real ffmpeg and real publishers.
 * The fifth fault (Stripe webhooks twice, out of order, late) is in box-office.test.ts, beside the Stripe double.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, test, type TestContext } from 'node:test';
import { followLive, listedSegments, type LiveViewer, transcoderPids } from '../helpers/live-viewer.ts';
import { childPids, isAlive, startPublisher, type Child } from '../helpers/processes.ts';
import { probeVideo } from '../helpers/probe.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.ts';
import { waitFor } from '../helpers/wait.ts';

const RUNGS = ['240p', '180p', '120p'] as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Undo steps of the running test, run newest first even when it fails. */
let cleanups: Array<() => Promise<void> | void> = [];
/** Origins of the running test, whose logs a failure shows. */
let servers: TestServer[] = [];
afterEach(async () => {
  for (const undo of cleanups.reverse()) await Promise.resolve(undo()).catch((e: Error) => console.error(`cleanup: ${e.message}`));
  cleanups = [];
  servers = [];
});

/** A fault test: on failure its message ends with the tail of every origin's log, so a CI failure explains itself. */
function faultTest(name: string, fn: (t: TestContext) => Promise<void>): void {
  test(name, { timeout: 120_000 }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const logs = servers.map((s, i) => `--- origin ${i + 1} log (tail) ---\n${s.output().split('\n').filter((l) => !l.includes('transcoder speed')).slice(-40).join('\n')}`);
      if (e instanceof Error) e.message = [e.message, ...logs].join('\n');
      throw e;
    }
  });
}

/** An origin stopped after the test; its data folder goes with it unless the test passed its own (`dataDir`). */
async function origin(env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<TestServer> {
  const server = await startServer(env, opts);
  servers.push(server);
  cleanups.push(async () => {
    const keepData = opts.dataDir !== undefined;
    if (isAlive(server.pid)) await server.stop({ keepData });
    else if (!keepData) fs.rmSync(server.dataDir, { recursive: true, force: true });
  });
  return server;
}
function publish(url: string): Child {
  const pub = startPublisher(url);
  cleanups.push(() => void pub.kill('SIGKILL'));
  return pub;
}
function watch(opts: Parameters<typeof followLive>[0]): LiveViewer {
  const viewer = followLive(opts);
  cleanups.push(() => viewer.stop());
  return viewer;
}
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const text = async (server: TestServer, p: string, headers?: Record<string, string>): Promise<string> => (await server.get(p, headers)).text();
const transcoders = (server: TestServer, channel: string): number[] => transcoderPids(childPids(server.pid, 'ffmpeg'), server.dataDir, channel);
const logLines = (server: TestServer, pattern: RegExp): string[] => server.output().split('\n').filter((l) => pattern.test(l));
const online = async (server: TestServer, id: string): Promise<boolean | undefined> =>
  ((await (await server.get('/api/catalog')).json()) as { items: Array<{ id: string; online?: boolean }> }).items.find((i) => i.id === id)?.online;
const channelState = async (server: TestServer, id: string): Promise<string | undefined> =>
  new RegExp(`boxoffice_live_channel_state\\{channel="${id}",state="(\\w+)"\\} 1`).exec(await text(server, '/metrics'))?.[1];

/** `name=value` pairs of a response's Set-Cookie headers. */
const cookiePairs = (res: Response): string[] => res.headers.getSetCookie().map((c) => c.split(';')[0]!);

/** A viewer buys `itemId` through the demo checkout (no Stripe keys): its viewer cookie. */
async function buy(server: TestServer, itemId: string): Promise<string> {
  const viewer = cookiePairs(await server.get('/api/catalog')).find((c) => c.startsWith('bo_viewer='))!;
  assert.ok(viewer, 'the origin sets a viewer cookie');
  const started = await fetch(`${server.baseUrl}/api/checkout`, { method: 'POST', headers: { cookie: viewer, 'content-type': 'application/json' }, body: JSON.stringify({ itemId }) });
  assert.equal(started.status, 200, await started.clone().text());
  const page = new URL(((await started.json()) as { url: string }).url).pathname;
  const paid = await fetch(`${server.baseUrl}${page}`, { method: 'POST', headers: { cookie: viewer, 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
  assert.equal(paid.status, 303);
  return viewer;
}

/** The buyer's playback answer and the cookie header (viewer + CloudFront signed cookies) that opens the channel's HLS. */
async function playback(server: TestServer, viewer: string, itemId: string): Promise<{ status: number; expiresAt?: string; cookie: string }> {
  const res = await server.get(`/api/playback/${itemId}`, { cookie: viewer });
  const body = (await res.json()) as { expiresAt?: string };
  return { status: res.status, ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}), cookie: [viewer, ...cookiePairs(res).filter((c) => c.startsWith('CloudFront-'))].join('; ') };
}

describe('live faults', () => {
  faultTest('fault 1: a publisher SIGKILLed mid-segment and back 5 s later: viewers continue, no listed segment 404s, the discontinuity is marked', async () => {
    const server = await origin({ LIVE_GRACE_SECONDS: '8' });
    const first = publish(server.rtmpUrl(server.demoKey));
    const viewer = watch({ baseUrl: server.baseUrl, channel: 'demo', rungs: RUNGS, intervalMs: 150 });
    await waitFor('three segments seen by the viewer', () => viewer.count('240p') >= 3, 30_000);
    const masterEtag = (await server.get('/live/demo/master.m3u8')).headers.get('etag');

    // mid-segment: half a 1 s segment after the newest one was listed
    const newest = async (): Promise<string | undefined> => listedSegments(await text(server, '/live/demo/240p.m3u8')).at(-1);
    const listed = await newest();
    await waitFor('a new segment', async () => (await newest()) !== listed, 15_000, 20);
    await sleep(500);
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the ingest to see the publisher gone', () => logLines(server, /INFO publish ended .*"channel":"demo"/).length === 1, 15_000);

    // the gap: the session stays open for the grace period; what was listed is still served
    assert.equal(await channelState(server, 'demo'), 'reconnecting');
    const during = await text(server, '/live/demo/240p.m3u8');
    assert.ok(!during.includes('#EXT-X-ENDLIST'), 'no ENDLIST while the publisher may come back');
    for (const uri of listedSegments(during)) assert.equal((await server.get(`/live/demo/${uri}`)).status, 200, `${uri} during the gap`);

    await sleep(Math.max(0, 5000 - (Date.now() - killedAt)));
    publish(server.rtmpUrl(server.demoKey, server.httpPort));
    await waitFor('segments of the new publish after a discontinuity in every rung', async () => {
      const texts = await Promise.all(RUNGS.map((r) => text(server, `/live/demo/${r}.m3u8`)));
      return texts.every((t) => listedSegments(t.split('#EXT-X-DISCONTINUITY\n')[1] ?? '').length >= 2);
    }, 30_000);
    await waitFor('the viewer to fetch them', () => new Set([...viewer.seen.keys()].map((p) => p.split('/')[3])).size === 2, 10_000);
    await viewer.stop();

    const after = await text(server, '/live/demo/240p.m3u8');
    assert.ok(!after.includes('#EXT-X-ENDLIST'), 'the same playlist continues');
    assert.equal((await server.get('/live/demo/master.m3u8')).headers.get('etag'), masterEtag, 'the same master keeps playing');
    assert.deepEqual(viewer.failures, [], 'no listed segment ever failed to load');
    assert.deepEqual(viewer.incomplete, [], 'every served segment is whole');
    assert.ok(viewer.seen.size >= 3 * 5, `the viewer fetched every rung's segments (${viewer.seen.size})`);
  });

  faultTest('fault 2: the live transcoder SIGKILLed again and again restarts with growing back-off, then gives up saying why; the other channel never stops', async () => {
    const server = await origin();
    const other = await createChannel(server, 'other');
    const streamer = publish(server.rtmpUrl(server.demoKey));
    publish(server.rtmpUrl(other.streamKey));
    await waitFor('both channels live', async () => (await online(server, 'demo')) && (await online(server, 'other')), 40_000);
    const otherViewer = watch({ baseUrl: server.baseUrl, channel: 'other', rungs: ['240p'] });
    const [otherTranscoder] = transcoders(server, 'other');
    assert.ok(otherTranscoder);

    const killed: number[] = [];
    const delays: number[] = [];
    let pid = await waitFor('the demo transcoder', () => transcoders(server, 'demo')[0]);
    const firstKillAt = Date.now();
    for (let kill = 1; kill <= 5; kill++) {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      const killedAt = Date.now();
      if (kill === 5) break;
      const logged = await waitFor(`the exit ${kill} logged with its restart delay`, () => {
        const lines = logLines(server, /ERROR transcoder exited while the publisher is connected \{"channel":"demo"/);
        return lines.length === kill && Number(/"restartInMs":(\d+)/.exec(lines.at(-1)!)?.[1]);
      }, 15_000);
      delays.push(logged);
      pid = await waitFor(`restart ${kill}: a new transcoder`, () => transcoders(server, 'demo').find((p) => !killed.includes(p)), 20_000, 20);
      assert.ok(Date.now() - killedAt >= logged - 20, `restart ${kill} waited its ${logged} ms back-off (${Date.now() - killedAt} ms)`);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000], 'the back-off doubles per failure');

    await waitFor('the supervisor to give up, saying why', () =>
      logLines(server, /ERROR transcoder failed 5 times within 60s; giving up until the publisher reconnects \{"channel":"demo"\}/).length === 1, 15_000);
    const gaveUpAt = Date.now();
    assert.ok(gaveUpAt - firstKillAt < 60_000, 'five failures within a minute');
    await waitFor('ENDLIST in every rung', async () => (await Promise.all(RUNGS.map((r) => text(server, `/live/demo/${r}.m3u8`)))).every((t) => t.trimEnd().endsWith('#EXT-X-ENDLIST')), 10_000);
    assert.equal(await online(server, 'demo'), false, 'reported offline in the catalog');
    assert.equal(await channelState(server, 'demo'), 'failed');
    assert.deepEqual(transcoders(server, 'demo'), [], 'no transcoder retried while that publish lasts');
    assert.equal(streamer.proc.exitCode, null, 'the publisher is still connected');

    // the other channel: same transcoder, never restarted, segments all along
    await waitFor('one more segment of the other channel', () => [...otherViewer.seen.values()].some((s) => s.listedAt > gaveUpAt), 10_000);
    await otherViewer.stop();
    assert.deepEqual(transcoders(server, 'other'), [otherTranscoder], 'the other transcoder was never touched');
    assert.equal(logLines(server, /transcoder exited .*"channel":"other"/).length, 0);
    const times = [...otherViewer.seen.values()].map((s) => s.listedAt).filter((t) => t >= firstKillAt && t <= gaveUpAt + 10_000).sort((a, b) => a - b);
    const gaps = [times[0]! - firstKillAt, ...times.slice(1).map((t, i) => t - times[i]!)];
    assert.ok(Math.max(...gaps) < 6000, `the other channel kept listing segments (longest gap ${Math.max(...gaps)} ms)`);
    assert.deepEqual(otherViewer.failures, []);
    assert.equal(await online(server, 'other'), true);

    // decided: a failed channel stays off until the streamer reconnects; the reconnect starts a new session at once
    const endedMaster = (await server.get('/live/demo/master.m3u8')).headers.get('etag');
    await streamer.kill('SIGKILL');
    await waitFor('the ingest to see the publisher gone', () => logLines(server, /INFO publish ended .*"channel":"demo"/).length === 1, 15_000);
    publish(server.rtmpUrl(server.demoKey));
    await waitFor('the channel back on air after the reconnect', async () => (await online(server, 'demo')) === true, 30_000);
    const master = await server.get('/live/demo/master.m3u8');
    assert.notEqual(master.headers.get('etag'), endedMaster, 'a new session');
    assert.ok(!(await text(server, '/live/demo/240p.m3u8')).includes('#EXT-X-ENDLIST'));
    assert.equal(transcoders(server, 'demo').length, 1);
  });

  faultTest('fault 3: the origin SIGKILLed while a paid channel is live keeps every purchase, serves nothing half-written, and resumes when the publisher reconnects', async () => {
    let server = await origin();
    const { dataDir } = server;
    const ppv = await createChannel(server, 'ppv', { priceCents: 500 });
    const publisher = publish(server.rtmpUrl(ppv.streamKey));
    const buyer = await buy(server, 'ppv');
    const bought = await playback(server, buyer, 'ppv');
    assert.equal(bought.status, 200);
    const before = watch({ baseUrl: server.baseUrl, channel: 'ppv', rungs: ['240p'], headers: { cookie: bought.cookie } });
    await waitFor('three segments of the paid channel', () => before.count('240p') >= 3, 40_000);
    const [transcoder] = transcoders(server, 'ppv');
    assert.ok(transcoder);

    await server.stop({ keepData: true, signal: 'SIGKILL' });
    await before.stop();
    await waitFor('the transcoder to die with the origin', () => !isAlive(transcoder), 10_000);
    await waitFor('the publisher to lose its connection', () => publisher.proc.exitCode !== null || publisher.proc.signalCode !== null, 15_000).catch(() => publisher.kill('SIGKILL'));
    const left = fs.readdirSync(path.join(dataDir, 'live', 'ppv'));
    assert.ok(left.length > 0, 'the dead origin left its run folder behind');

    server = await origin({}, { dataDir });
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'live')), [], 'the restarted origin wiped what the dead one left (files cut off mid-write included)');
    const after = await playback(server, buyer, 'ppv');
    assert.equal(after.status, 200, 'the purchase survived');
    assert.equal(after.expiresAt, bought.expiresAt, 'with the same expiry');
    const stranger = cookiePairs(await server.get('/api/catalog')).find((c) => c.startsWith('bo_viewer='))!;
    assert.equal((await playback(server, stranger, 'ppv')).status, 402, 'a stranger still pays');
    assert.equal((await server.get('/live/ppv/master.m3u8', { cookie: after.cookie })).status, 404, 'offline until the publisher reconnects');
    assert.equal(await online(server, 'ppv'), false);

    publish(server.rtmpUrl(ppv.streamKey));
    const resumed = watch({ baseUrl: server.baseUrl, channel: 'ppv', rungs: ['240p'], headers: { cookie: after.cookie } });
    await waitFor('the channel to resume with three segments', () => resumed.count('240p') >= 3, 40_000);
    await resumed.stop();
    assert.equal(await online(server, 'ppv'), true);
    assert.equal((await server.get('/live/ppv/master.m3u8')).status, 403, 'still paid content');

    const all = [...before.seen, ...resumed.seen];
    assert.deepEqual([...before.failures, ...resumed.failures], [], 'every listed segment answered 200');
    assert.deepEqual([...before.incomplete, ...resumed.incomplete], [], 'every served segment is whole MPEG-TS packets');
    const scratch = tempDir('boxoffice-faults-probe-');
    for (const [p, { bytes }] of all) {
      const file = path.join(scratch, p.replaceAll('/', '_'));
      fs.writeFileSync(file, bytes);
      const info = await probeVideo(file);
      assert.deepEqual([info.width, info.height], [320, 240], `${p} decodes`);
    }
  });

  faultTest('fault 4: a full disk while writing segments degrades the channel with a clear error, breaks nothing else, and recovers by itself', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-test-'));
    const liveDir = path.join(dataDir, 'live');
    fs.mkdirSync(liveDir);
    const tmpfs = mountTmpfs(liveDir, 32);
    cleanups.push(() => {
      if (tmpfs) unmountTmpfs(liveDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    // with a tmpfs the disk really fills (ENOSPC); without one (a container without CAP_SYS_ADMIN) the channel's
    // folder is replaced by a plain file, so every write ffmpeg and the origin attempt there fails (ENOTDIR)
    const expectedCode = tmpfs ? 'ENOSPC' : 'ENOTDIR';
    t.diagnostic(tmpfs ? 'live output on a 32 MiB tmpfs, filled with a filler file' : 'no tmpfs here: injecting a write failure (the channel folder replaced by a file)');

    const server = await origin({}, { dataDir }); // stopped (newest first) before the unmount above
    const publisher = publish(server.rtmpUrl(server.demoKey));
    const viewer = watch({ baseUrl: server.baseUrl, channel: 'demo', rungs: RUNGS });
    await waitFor('the channel live with three segments', () => viewer.count('240p') >= 3, 40_000);

    const chanDir = path.join(liveDir, 'demo');
    let restore: () => void;
    if (tmpfs) {
      const fillerPath = path.join(liveDir, 'filler');
      const fd = fs.openSync(fillerPath, 'w');
      const chunk = Buffer.alloc(256 * 1024, 1);
      const fill = (): void => {
        try {
          for (;;) fs.writeSync(fd, chunk);
        } catch {
          // ENOSPC: full again
        }
      };
      fill();
      const keepFull = setInterval(fill, 50); // another process keeps eating whatever space frees up
      restore = () => {
        clearInterval(keepFull);
        fs.closeSync(fd);
        fs.rmSync(fillerPath, { force: true });
      };
    } else {
      fs.renameSync(chanDir, `${chanDir}.away`);
      fs.writeFileSync(chanDir, 'not a folder');
      restore = () => {
        fs.rmSync(chanDir, { force: true });
        fs.renameSync(`${chanDir}.away`, chanDir);
      };
    }
    cleanups.push(() => restore());
    const faultAt = Date.now();

    const [error] = await waitFor('a clear error naming the channel and the cause', () => {
      const lines = logLines(server, new RegExp(`ERROR live channel degraded: cannot write segments \\(${expectedCode}\\).*"channel":"demo"`));
      return lines.length > 0 && lines;
    }, 30_000);
    assert.match(error!, /retrying until the disk accepts writes/);
    await waitFor('the channel reported degraded', async () => (await channelState(server, 'demo')) === 'degraded', 10_000);
    assert.equal(await online(server, 'demo'), false, 'off air in the catalog while degraded');
    const stalled = await text(server, '/live/demo/240p.m3u8');
    assert.ok(!stalled.includes('#EXT-X-ENDLIST'), 'the playlist stays open: the channel is expected back');
    for (const uri of listedSegments(stalled)) assert.equal((await server.get(`/live/demo/${uri}`)).status, 200, `${uri}: what is listed is still served`);

    // nothing else breaks: health, catalog, the admin API and the box office (their data is on another disk)
    assert.equal((await server.get('/healthz')).status, 200);
    await createChannel(server, 'during-the-outage', { priceCents: 300 });
    const buyer = await buy(server, 'during-the-outage');
    assert.equal((await playback(server, buyer, 'during-the-outage')).status, 200);
    assert.ok(isAlive(server.pid) && server.child.proc.exitCode === null, 'the origin is still running');

    restore();
    cleanups.pop();
    await waitFor('the channel to recover by itself', () => logLines(server, /INFO live channel recovered: segments are written again .*"channel":"demo"/).length === 1, 30_000);
    await waitFor('back on air', async () => (await online(server, 'demo')) === true, 10_000);
    await waitFor('new segments after a discontinuity', async () => listedSegments((await text(server, '/live/demo/240p.m3u8')).split('#EXT-X-DISCONTINUITY\n').at(-1) ?? '').length >= 2, 20_000);
    await waitFor('the viewer to fetch segments listed after the fault', () => [...viewer.seen.values()].filter((s) => s.listedAt > faultAt).length >= 2, 10_000);
    await viewer.stop();

    assert.equal(publisher.proc.exitCode, null, 'the publisher never had to reconnect');
    assert.equal(logLines(server, /INFO publish started .*"channel":"demo"/).length, 1);
    assert.deepEqual(viewer.failures, [], 'every listed segment answered 200');
    assert.deepEqual(viewer.incomplete, [], 'no segment cut off by the full disk was ever listed');
    assert.equal(logLines(server, /giving up/).length, 0, 'a full disk is never counted as transcoder failures');
  });
});
