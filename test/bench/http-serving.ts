// Comparisons 1, 2 and 6: a hot live segment and a live media playlist served by the origin (signature
// enforced) and by nginx (1 worker, sendfile) to 50 connections; signed playback URLs issued by
// /api/playback per second against raw crypto.sign with the same key.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runTs } from '../helpers/cli.ts';
import { fileURLToPath } from 'node:url';
import { freePort, spawnChild, startPublisher } from '../helpers/processes.ts';
import { createChannel, startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { medianBy, runWrk, startNginx, type WrkResult } from './tools.ts';

/** One comparison's outcome, for the report. */
export interface Row {
  readonly name: string;
  readonly ours: string;
  readonly peer: string;
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean;
  readonly notes: string;
}

const fmt = (r: WrkResult): string => `${Math.round(r.requestsPerSecond).toLocaleString('en')} req/s${r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} socket errors)` : ''}`;

/**
 * Runs `ours` and `peer` alternately `rounds` times (throughput on this VM drifts between and within runs)
 * and returns the back-to-back pair whose ratio is the median, with every pair's ratio.
 */
async function medianPair(rounds: number, ours: () => Promise<WrkResult>, peer: () => Promise<WrkResult>): Promise<{ ours: WrkResult; peer: WrkResult; ratios: number[] }> {
  const pairs: Array<{ ours: WrkResult; peer: WrkResult; ratio: number }> = [];
  for (let i = 0; i < rounds; i++) {
    const o = await ours();
    const p = await peer();
    pairs.push({ ours: o, peer: p, ratio: o.requestsPerSecond / p.requestsPerSecond });
  }
  const middle = medianBy(pairs, (p) => p.ratio);
  return { ours: middle.ours, peer: middle.peer, ratios: pairs.map((p) => p.ratio) };
}

/** How the pairs went, for the notes. */
const pairsText = (ratios: readonly number[]): string => (ratios.length > 1 ? `the median of ${ratios.length} alternating pairs (ratios ${ratios.map((r) => r.toFixed(2)).join(', ')})` : 'one pair');

/** A server's CPU per request, as `total µs (user + kernel)`. */
const cpuText = (r: WrkResult): string => (r.cpuPerRequest ? `${(r.cpuPerRequest.userUs + r.cpuPerRequest.systemUs).toFixed(1)} µs (${r.cpuPerRequest.userUs.toFixed(1)} + ${r.cpuPerRequest.systemUs.toFixed(1)})` : 'not measured');

/** wrk against a bare node:http handler serving `file` (the floor any Node origin stands on), asked for `target`. */
async function runBareNode(file: string, target: string, seconds: number): Promise<WrkResult> {
  const port = await freePort();
  const bare = spawnChild(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-node.mjs'), String(port), file]);
  try {
    await waitFor('the bare Node server', async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok, 10_000);
    return await runWrk(`http://127.0.0.1:${port}${target}`, { connections: 50, seconds, serverPids: [bare.pid] });
  } finally {
    await bare.kill('SIGTERM');
  }
}

/** Runs comparisons 1, 2 and 6. */
export async function benchHttp(quick: boolean): Promise<Row[]> {
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 1 : 3;
  const server = await startServer({ LADDER: '720p:4500k', SEGMENT_SECONDS: '2', LIVE_GRACE_SECONDS: '3600' });
  const nginx = await startNginx();
  try {
    const { streamKey } = await createChannel(server, 'paid', { title: 'Paid', priceCents: 100 });
    const publisher = startPublisher(server.rtmpUrl(streamKey), { width: 1280, height: 720, fps: 30 });
    const sign = async (url: string): Promise<string> => (await runTs('server/cli/main.ts', ['sign', url], { DATA_DIR: server.dataDir, PUBLIC_URL: server.baseUrl })).stdout.trim();
    const playlistUrl = await sign(`${server.baseUrl}/live/paid/q/720p.m3u8`);
    const query = playlistUrl.slice(playlistUrl.indexOf('?'));
    const segments = await waitFor('four live segments', async () => {
      const list = await (await fetch(playlistUrl)).text();
      const uris = list.split('\n').filter((l) => l.includes('.ts?')).map((l) => l.split('?')[0]!.replace('../', ''));
      return uris.length >= 4 && uris;
    }, 60_000, 250);
    await publisher.kill('SIGINT'); // stop encoding: the window stays in memory through the grace period
    const sizes = await Promise.all(segments.map(async (s) => [s, (await (await fetch(`${server.baseUrl}/live/paid/${s}${query}`)).arrayBuffer()).byteLength] as const));
    const [segment, size] = sizes.reduce((a, b) => (Math.abs(b[1] - 2 ** 20) < Math.abs(a[1] - 2 ** 20) ? b : a));
    const segmentBytes = Buffer.from(await (await fetch(`${server.baseUrl}/live/paid/${segment}${query}`)).arrayBuffer());
    fs.writeFileSync(path.join(nginx.root, 'seg.ts'), segmentBytes, { mode: 0o644 });
    fs.writeFileSync(path.join(nginx.root, 'list.m3u8'), await (await fetch(playlistUrl)).text(), { mode: 0o644 });

    const segmentRuns = await medianPair(
      rounds,
      () => runWrk(`${server.baseUrl}/live/paid/${segment}${query}`, { connections: 50, seconds, serverPids: [server.pid] }),
      () => runWrk(`http://127.0.0.1:${nginx.httpPort}/seg.ts`, { connections: 50, seconds, serverPids: nginx.pids() }),
    );
    const listRuns = await medianPair(
      rounds,
      () => runWrk(playlistUrl, { connections: 50, seconds, serverPids: [server.pid] }),
      () => runWrk(`http://127.0.0.1:${nginx.httpPort}/list.m3u8`, { connections: 50, seconds, serverPids: nginx.pids() }),
    );
    const [oursSegment, nginxSegment, oursList, nginxList] = [segmentRuns.ours, segmentRuns.peer, listRuns.ours, listRuns.peer];
    // the origin's cheapest answer on the same path: a 404 for an unknown channel (no signature, no playlist)
    const floorList = await runWrk(`${server.baseUrl}/live/nosuchchannel/q/720p.m3u8${query}`, { connections: 50, seconds, serverPids: [server.pid] });
    const bareList = await runBareNode(path.join(nginx.root, 'list.m3u8'), `${playlistUrl.slice(playlistUrl.indexOf('/live/'))}`, seconds);

    // a viewer who bought access through the demo checkout
    const first = await fetch(`${server.baseUrl}/`);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const { url } = (await (await fetch(`${server.baseUrl}/api/checkout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ itemId: 'paid' }) })).json()) as { url: string };
    await fetch(url, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    const playback = await runWrk(`${server.baseUrl}/api/playback/paid`, { connections: 10, seconds, headers: { cookie } });
    const key = crypto.createPrivateKey(fs.readFileSync(path.join(server.dataDir, 'signing', 'private-key.pem')));
    const policy = JSON.stringify({ Statement: [{ Resource: `${server.baseUrl}/live/paid/*`, Condition: { DateLessThan: { 'AWS:EpochTime': 2_000_000_000 } } }] });
    let signs = 0;
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      crypto.sign('sha1', Buffer.from(policy), key);
      signs++;
    }
    const rawPerSecond = signs / seconds;

    return [
      {
        name: `1. Hot live segment (${(size / 2 ** 20).toFixed(2)} MiB), 50 connections, signature enforced`,
        ours: fmt(oursSegment),
        peer: `nginx ${fmt(nginxSegment)}`,
        ratio: oursSegment.requestsPerSecond / nginxSegment.requestsPerSecond,
        target: '≥ 1.0× nginx',
        met: oursSegment.requestsPerSecond >= nginxSegment.requestsPerSecond && oursSegment.non2xx === 0,
        notes: `origin: memory, signature checked per request (verified signatures remembered); nginx: 1 worker, sendfile, no signature; server CPU per request (user + kernel): ours ${cpuText(oursSegment)}, nginx ${cpuText(nginxSegment)}; ${pairsText(segmentRuns.ratios)}`,
      },
      {
        name: '2. Live media playlist, 50 connections, signature enforced',
        ours: fmt(oursList),
        peer: `nginx ${fmt(nginxList)}`,
        ratio: oursList.requestsPerSecond / nginxList.requestsPerSecond,
        target: '≥ 0.7× nginx',
        met: oursList.requestsPerSecond >= 0.7 * nginxList.requestsPerSecond && oursList.non2xx === 0,
        notes: `the q/ playlist (variable substitution), rendered once per version; the floor for Node, a bare node:http handler answering the same bytes from memory with no routing or signature check: ${fmt(bareList)} (${(bareList.requestsPerSecond / nginxList.requestsPerSecond).toFixed(2)}× nginx; ours ${(oursList.requestsPerSecond / bareList.requestsPerSecond).toFixed(2)}× it); the origin's cheapest answer on the same path, a 404 for an unknown channel (no signature, no playlist): ${Math.round(floorList.requestsPerSecond).toLocaleString('en')} req/s (${(floorList.requestsPerSecond / nginxList.requestsPerSecond).toFixed(2)}× nginx); server CPU per request (user + kernel): ours ${cpuText(oursList)}, the origin's 404 ${cpuText(floorList)}, bare Node ${cpuText(bareList)}, nginx ${cpuText(nginxList)}; ${pairsText(listRuns.ratios)}`,
      },
      {
        name: '6. Signed playback URLs from /api/playback',
        ours: fmt(playback),
        peer: `raw crypto.sign ${Math.round(rawPerSecond).toLocaleString('en')} signatures/s`,
        ratio: playback.requestsPerSecond / rawPerSecond,
        target: '≥ 0.6× raw crypto.sign',
        met: playback.requestsPerSecond >= 0.6 * rawPerSecond && playback.non2xx === 0,
        notes: 'one RSA-2048 signature per answer (cookies reuse it); 10 connections; includes the entitlement lookup in SQLite',
      },
    ];
  } finally {
    await nginx.stop();
    await server.stop();
  }
}
