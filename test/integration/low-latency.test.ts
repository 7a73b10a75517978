import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import HLS from 'hls-parser';
import type { MediaPlaylist, MasterPlaylist } from 'hls-parser/types.js';
import { checkLowLatencyRules } from '../helpers/ll-rules.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { buyAsNewViewer, createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { resolveEntry } from '../helpers/viewers.ts';
import { waitFor } from '../helpers/wait.ts';

const run = promisify(execFile);
const RUNGS = ['240p', '180p', '120p'];

/** The same query (the signature) on another playlist of the folder. */
const beside = (signedUrl: string, file: string): string => {
  const u = new URL(signedUrl);
  u.pathname = u.pathname.replace(/[^/]+$/, file);
  return u.href;
};
const withQuery = (url: string, extra: string): string => `${url}${url.includes('?') ? '&' : '?'}${extra}`;
const text = async (url: string): Promise<string> => {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.text();
};
const media = (t: string): MediaPlaylist => {
  HLS.setOptions({ strictMode: true });
  return HLS.parse(t) as MediaPlaylist;
};
const complete = (p: MediaPlaylist) => p.segments.filter((s) => s.uri);
/** The preload hint's segment and part, from its URI `…/<msn>.<part>.m4s`. */
const hintOf = (t: string): { msn: number; part: number; uri: string } => {
  const m = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]*\/(\d+)\.(\d+)\.m4s[^"]*)"/.exec(t);
  assert.ok(m, `a preload hint in\n${t}`);
  return { uri: m[1]!, msn: Number(m[2]), part: Number(m[3]) };
};

describe('LL-HLS of a paid live channel (1 s segments, 0.333 s parts, three rungs)', () => {
  let server: TestServer;
  let publisher: Child;
  let llUrl: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-ll-'));

  before(async () => {
    server = await startServer({ PART_SECONDS: '0.333', LIVE_GRACE_SECONDS: '10' });
    const { streamKey } = await createChannel(server, 'stage', { priceCents: 300 });
    publisher = startPublisher(server.rtmpUrl(streamKey));
    await waitFor('the channel on air', async () => (await fetch(`${server.baseUrl}/api/catalog`).then((r) => r.json()) as { items: Array<{ id: string; online?: boolean }> }).items.some((i) => i.id === 'stage' && i.online), 30_000, 200);
    const { playback } = await buyAsNewViewer(server, 'stage');
    assert.ok(playback.llUrl, 'the playback answer names the LL-HLS master');
    llUrl = playback.llUrl;
    assert.match(llUrl, /\/live\/stage\/q\/ll\.m3u8\?/);
    assert.deepEqual([...new URL(llUrl).searchParams.keys()].sort(), ['Key-Pair-Id', 'Policy', 'Signature']);
    // enough complete segments that a delta update skips some (CAN-SKIP-UNTIL is six target durations)
    await waitFor('9 complete LL-HLS segments', async () => complete(media(await text(beside(llUrl, 'll-240p.m3u8')))).length >= 9, 40_000, 250);
  });
  after(async () => {
    await publisher?.kill('SIGKILL');
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the LL master lists every rung; each rung playlist passes hls-parser strict mode and the rfc8216bis rules, with rendition reports of every other rung', async () => {
    const master = HLS.parse(await text(llUrl)) as MasterPlaylist;
    assert.deepEqual(master.variants.map((v) => v.uri.split('?')[0]), RUNGS.map((r) => `ll-${r}.m3u8`));
    for (const rung of RUNGS) {
      const body = await text(beside(llUrl, `ll-${rung}.m3u8`));
      const { playlist, problems } = checkLowLatencyRules(body);
      assert.deepEqual(problems, [], `${rung}:\n${body}`);
      assert.match(body, /^#EXT-X-VERSION:11$/m);
      assert.match(body, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1\.002,CAN-SKIP-UNTIL=6\.0$/m);
      assert.match(body, /^#EXT-X-PART-INF:PART-TARGET=0\.334$/m);
      assert.ok(playlist.segments.every((s) => s.programDateTime instanceof Date), 'PROGRAM-DATE-TIME on every segment');
      assert.deepEqual(playlist.renditionReports.map((r) => r.uri.split('?')[0]).sort(), RUNGS.filter((r) => r !== rung).map((r) => `ll-${r}.m3u8`).sort());
      assert.ok(playlist.renditionReports.every((r) => r.uri.endsWith('?Policy={$Policy}&Signature={$Signature}&Key-Pair-Id={$Key-Pair-Id}')));
    }
  });

  test('every rung is aligned: the same segments and parts, each segment starting on a keyframe at the same time, and each decodes', async () => {
    const hint = hintOf(await text(beside(llUrl, 'll-240p.m3u8')));
    // one blocking position for all three: they answer from the same moment of the window
    const bodies = await Promise.all(RUNGS.map((r) => text(withQuery(beside(llUrl, `ll-${r}.m3u8`), `_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`))));
    const lists = bodies.map(media);
    const shape = (p: MediaPlaylist) => p.segments.map((s) => `${s.mediaSequenceNumber}:${s.duration ?? '-'}:${s.parts.filter((x) => !x.hint).map((x) => `${x.duration}${x.independent ? 'I' : ''}`).join(',')}`);
    const shapes = lists.map(shape);
    const common = shapes.map((s) => s.slice(-4, -1)); // the last three complete segments of each
    assert.deepEqual(common[1], common[0]);
    assert.deepEqual(common[2], common[0]);
    for (const rung of lists.map((p) => p.renditionReports)) for (const r of rung) assert.deepEqual([r.lastMSN, r.lastPart], [lists[0]!.renditionReports[0]!.lastMSN, lists[0]!.renditionReports[0]!.lastPart]);
    const probes = await Promise.all(
      RUNGS.map(async (rung, i) => {
        const list = lists[i]!;
        const seg = complete(list).at(-1)!;
        const playlistUrl = beside(llUrl, `ll-${rung}.m3u8`);
        const init = Buffer.from(await (await fetch(resolveEntry(seg.map.uri, playlistUrl))).arrayBuffer());
        const whole = Buffer.from(await (await fetch(resolveEntry(seg.uri, playlistUrl))).arrayBuffer());
        const parts = await Promise.all(seg.parts.map(async (p) => Buffer.from(await (await fetch(resolveEntry(p.uri, playlistUrl))).arrayBuffer())));
        assert.ok(Buffer.concat(parts).equals(whole), `${rung}: the segment is its parts, in order`);
        const file = path.join(tmp, `${rung}.mp4`);
        fs.writeFileSync(file, Buffer.concat([init, whole]));
        const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file]);
        const packets = stdout.trim().split('\n').map((l) => l.split(','));
        const frames = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
        return { first: packets[0]!, count: packets.length, decoded: Number(frames.stdout.trim()) };
      }),
    );
    for (const p of probes) {
      assert.match(p.first[1]!, /^K/, 'each segment starts on a keyframe');
      assert.equal(p.decoded, p.count, 'every frame decodes');
    }
    assert.deepEqual(probes.map((p) => p.first[0]), probes.map(() => probes[0]!.first[0]), 'the segment starts at the same time in every rung');
    assert.deepEqual(probes.map((p) => p.count), probes.map(() => probes[0]!.count), 'the same number of frames in every rung');
  });

  test('a blocking reload is answered when the part appears, cacheable for a CDN; the hinted part is held until it exists', async () => {
    const playlistUrl = beside(llUrl, 'll-180p.m3u8');
    const now = await text(playlistUrl);
    const hint = hintOf(now);
    assert.ok(!media(now).segments.flatMap((s) => s.parts).some((p) => !p.hint && p.uri === hint.uri), 'not yet listed as a part');
    const [held, part] = await Promise.all([
      fetch(withQuery(playlistUrl, `_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`)),
      fetch(resolveEntry(hint.uri, playlistUrl)), // the preload hint, requested before the part exists
    ]);
    assert.equal(held.status, 200);
    assert.equal(held.headers.get('cache-control'), 'public, max-age=3', 'three target durations: a CDN shares one answer per _HLS_* query');
    const body = await held.text();
    assert.ok(media(body).segments.flatMap((s) => s.parts).some((p) => !p.hint && p.uri === hint.uri), 'the answer lists the part');
    assert.notEqual(hintOf(body).uri, hint.uri, 'and hints the one after it');
    assert.equal(part.status, 200);
    assert.equal(part.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await part.arrayBuffer());
    assert.equal(bytes.toString('latin1', 4, 8), 'moof', 'a part is fragmented MP4');
    assert.ok(bytes.equals(Buffer.from(await (await fetch(resolveEntry(hint.uri, playlistUrl))).arrayBuffer())), 'the same bytes once it exists');
  });

  test('a delta update (_HLS_skip=YES) skips the segments beyond CAN-SKIP-UNTIL and is otherwise the full playlist', async () => {
    const playlistUrl = beside(llUrl, 'll-240p.m3u8');
    const hint = hintOf(await text(playlistUrl));
    const at = `_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`;
    const [fullText, deltaText] = await Promise.all([text(withQuery(playlistUrl, at)), text(withQuery(playlistUrl, `${at}&_HLS_skip=YES`))]);
    const full = media(fullText);
    const delta = media(deltaText);
    assert.deepEqual(checkLowLatencyRules(deltaText).problems, []);
    const durations = complete(full).map((s) => s.duration);
    const total = durations.reduce((a, b) => a + b, 0);
    // skipped: the leading segments that end at least CAN-SKIP-UNTIL (6 s) before the playlist's end
    let expected = 0;
    let after = total;
    for (const d of durations) {
      after -= d;
      if (after < 6) break;
      expected++;
    }
    assert.ok(expected > 0, 'the window is long enough to skip something');
    assert.equal(delta.skip, expected, `SKIPPED-SEGMENTS\n${deltaText}`);
    assert.equal(delta.mediaSequenceBase, full.mediaSequenceBase);
    assert.deepEqual(delta.segments.map((s) => s.uri), full.segments.slice(expected).map((s) => s.uri));
    assert.ok(deltaText.length < fullText.length);
  });

  test('signatures are checked on every LL-HLS request, blocking ones included, before anything is held', async () => {
    const bare = llUrl.split('?')[0]!;
    assert.equal((await fetch(bare)).status, 403);
    assert.equal((await fetch(beside(bare, 'll-240p.m3u8'))).status, 403);
    const body = await text(beside(llUrl, 'll-240p.m3u8'));
    const seg = complete(media(body)).at(-1)!;
    assert.equal((await fetch(new URL(seg.parts[0]!.uri.split('?')[0]!, beside(bare, 'll-240p.m3u8')).href)).status, 403, 'a part without the signature');
    assert.equal((await fetch(new URL(seg.map.uri.split('?')[0]!, beside(bare, 'll-240p.m3u8')).href)).status, 403, 'an init segment without the signature');
    const hint = hintOf(body);
    const tampered = beside(llUrl, 'll-240p.m3u8').replace(/Signature=([^&])/, (_m, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`);
    const started = performance.now();
    const refused = await fetch(withQuery(tampered, `_HLS_msn=${hint.msn + 1}&_HLS_part=0`));
    assert.equal(refused.status, 403);
    assert.ok(performance.now() - started < 500, 'refused at once, not held');
  });

  test('malformed or too-far directives are refused at once (400); with no new part a blocking request ends cleanly with 503 after three target durations', async () => {
    const playlistUrl = beside(llUrl, 'll-240p.m3u8');
    const edge = media(await text(playlistUrl)).renditionReports[0]!;
    const msn = edge.lastMSN!;
    for (const bad of ['_HLS_msn=abc', '_HLS_part=1', `_HLS_msn=${msn}&_HLS_skip=maybe`, `_HLS_msn=${msn + 3}`, `_HLS_msn=${msn}&_HLS_part=${edge.lastPart + 20}`]) {
      const res = await fetch(withQuery(playlistUrl, bad));
      assert.equal(res.status, 400, bad);
      assert.equal(((await res.json()) as { error: string }).error, 'bad_request');
    }
    await publisher.kill('SIGKILL');
    // the transcoder drains and exits: its open segment completes and no part is hinted any more
    const last = await waitFor('the run to end', async () => {
      const t = await text(playlistUrl);
      return t.includes('#EXT-X-PRELOAD-HINT') ? false : media(t);
    }, 15_000, 100);
    const next = complete(last).at(-1)!.mediaSequenceNumber + 1;
    const started = performance.now();
    const res = await fetch(withQuery(playlistUrl, `_HLS_msn=${next}&_HLS_part=0`));
    const held = performance.now() - started;
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: string }).error, 'not_yet_available');
    assert.ok(held >= 2900 && held < 6000, `held ${Math.round(held)} ms`);
  });
});

describe('LIVE_HLS=low-latency', () => {
  test('master.m3u8 is the LL-HLS master and the playback answer needs no second URL', async () => {
    const server = await startServer({ LIVE_HLS: 'low-latency', LADDER: '180p:200k' });
    const publisher = startPublisher(server.rtmpUrl(server.demoKey));
    try {
      const master = await waitFor('the master', async () => {
        const res = await fetch(`${server.baseUrl}/live/demo/master.m3u8`);
        return res.ok && res.text();
      }, 30_000, 200);
      assert.match(master, /^ll-180p\.m3u8$/m);
      const body = await text(`${server.baseUrl}/live/demo/ll-180p.m3u8`);
      assert.match(body, /#EXT-X-PART:/);
      const playback = (await (await fetch(`${server.baseUrl}/api/playback/demo`)).json()) as { url: string; llUrl?: string };
      assert.match(playback.url, /\/live\/demo\/master\.m3u8$/);
      assert.equal(playback.llUrl, undefined);
      const ts = await waitFor('the TS playlist', async () => {
        const res = await fetch(`${server.baseUrl}/live/demo/180p.m3u8`);
        return res.ok && res.text();
      }, 20_000, 200);
      assert.match(ts, /\.ts$/m, 'the TS playlists stay for the DVR and replays');
    } finally {
      await publisher.kill('SIGKILL');
      await server.stop();
    }
  });
});
