// Comparisons 11 and 12: what LL-HLS costs. 11: the same show published to an origin with LIVE_HLS=standard and
// with LIVE_HLS=both (the same encode also muxed as fragmented MP4 and cut into parts by the origin), CPU of the
// origin and its ffmpeg together, alternating runs. 12: 300 LL-HLS players at the live edge of a paid channel,
// each holding a blocking playlist reload for the next part (signature checked on every request) and then
// fetching that part, as hls.js does: answers per second and how long the origin takes to wake all of them.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { cpuSecondsOf } from '../../server/live/capacity.ts';
import { startPublisher } from '../helpers/processes.ts';
import { buyAsNewViewer, createChannel, startServer } from '../helpers/server.ts';
import { resolveEntry } from '../helpers/viewers.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Row } from './http-serving.ts';
import { median } from './tools.ts';

const ENV = { LADDER: '360p:800k,240p:400k,180p:250k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const childFfmpegs = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid), 'ffmpeg'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

/** Cores the origin and its transcoder used together over `seconds` of a 640x360 30 fps show. */
async function showCores(liveHls: 'standard' | 'both', seconds: number): Promise<number> {
  const server = await startServer({ ...ENV, LIVE_HLS: liveHls });
  const publisher = startPublisher(server.rtmpUrl(server.demoKey), { width: 640, height: 360, fps: 30 });
  try {
    await waitFor('the channel to go live', async () => (await server.get('/live/demo/180p.m3u8')).status === 200, 30_000);
    await sleep(2000); // past start-up
    const pids = [server.pid, ...childFfmpegs(server.pid)];
    const cpu = (): number => pids.reduce((n, p) => n + (cpuSecondsOf(p) ?? Number.NaN), 0);
    const before = cpu();
    const started = performance.now();
    await sleep(seconds * 1000);
    return (cpu() - before) / ((performance.now() - started) / 1000);
  } finally {
    await publisher.kill('SIGKILL');
    await server.stop();
  }
}

/** The preload hint's part of a LL-HLS playlist. */
const hintOf = (text: string): { msn: number; part: number; uri: string } | undefined => {
  const m = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]*\/(\d+)\.(\d+)\.m4s[^"]*)"/.exec(text);
  return m ? { uri: m[1]!, msn: Number(m[2]), part: Number(m[3]) } : undefined;
};

/** A GET on a keep-alive agent: status, body and when the answer arrived. */
function get(agent: http.Agent, url: string): Promise<{ status: number; body: Buffer; at: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), at: performance.now() }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** 300 (or `viewers`) LL-HLS players at the edge for `seconds`. */
async function blockingSwarm(viewers: number, seconds: number): Promise<{ playlistsPerSecond: number; partsPerSecond: number; published: number; coverage: number; failures: number; wakeSpreadMs: { p50: number; p90: number; max: number }; cores: number }> {
  const server = await startServer({ ...ENV, LIVE_GRACE_SECONDS: '5' });
  const { streamKey } = await createChannel(server, 'stage', { priceCents: 300 });
  const publisher = startPublisher(server.rtmpUrl(streamKey), { width: 640, height: 360, fps: 30 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: viewers * 2 });
  try {
    const { playback } = await buyAsNewViewer(server, 'stage');
    const playlistUrl = playback.llUrl!.replace('/q/ll.m3u8', '/q/ll-360p.m3u8');
    await waitFor('the LL-HLS playlist', async () => hintOf((await get(agent, playlistUrl)).body.toString()) !== undefined, 30_000, 200);
    const answered = new Map<string, number[]>(); // part → when each viewer's blocking reload was answered
    let playlists = 0;
    let parts = 0;
    let failures = 0;
    const end = performance.now() + seconds * 1000;
    const viewer = async (): Promise<void> => {
      let hint = hintOf((await get(agent, playlistUrl)).body.toString());
      while (hint && performance.now() < end) {
        const held = await get(agent, `${playlistUrl}&_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`);
        if (held.status !== 200) {
          failures++;
          await sleep(100);
          hint = hintOf((await get(agent, playlistUrl)).body.toString());
          continue;
        }
        playlists++;
        const key = `${hint.msn}.${hint.part}`;
        (answered.get(key) ?? answered.set(key, []).get(key)!).push(held.at);
        const part = await get(agent, resolveEntry(hint.uri, playlistUrl));
        if (part.status === 200) parts++;
        else failures++;
        hint = hintOf(held.body.toString());
      }
    };
    const cpuBefore = cpuSecondsOf(server.pid)!;
    const started = performance.now();
    await Promise.all(Array.from({ length: viewers }, () => viewer()));
    const wall = (performance.now() - started) / 1000;
    const cores = (cpuSecondsOf(server.pid)! - cpuBefore) / wall;
    const spreads = [...answered.values()].filter((t) => t.length >= viewers * 0.9).map((t) => Math.max(...t) - Math.min(...t)).sort((a, b) => a - b);
    const at = (p: number): number => spreads[Math.min(spreads.length - 1, Math.floor(spreads.length * p))] ?? Number.NaN;
    // every part published while the players ran was asked for by someone: coverage is the share of (part, player) pairs answered
    return { playlistsPerSecond: playlists / wall, partsPerSecond: parts / wall, published: answered.size, coverage: playlists / (answered.size * viewers), failures, wakeSpreadMs: { p50: at(0.5), p90: at(0.9), max: spreads.at(-1) ?? Number.NaN }, cores };
  } finally {
    agent.destroy();
    await publisher.kill('SIGKILL');
    await server.stop();
  }
}

/** Runs comparisons 11 and 12. */
export async function benchLowLatencyCost(quick: boolean): Promise<Row[]> {
  const seconds = quick ? 15 : 30;
  const pairs: Array<{ standard: number; both: number }> = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) pairs.push({ standard: await showCores('standard', seconds), both: await showCores('both', seconds) });
  const ratio = median(pairs.map((p) => p.both / p.standard));
  const viewers = 300;
  const swarm = await blockingSwarm(viewers, quick ? 15 : 30);
  return [
    {
      name: `11. LL-HLS cost, one live channel (640x360 30 fps; 360p/240p/180p veryfast) for ${seconds} s`,
      ours: `LIVE_HLS=both ${median(pairs.map((p) => p.both)).toFixed(2)} cores (origin + ffmpeg)`,
      peer: `LIVE_HLS=standard ${median(pairs.map((p) => p.standard)).toFixed(2)} cores`,
      ratio,
      target: '≤ 1.1× the CPU of standard HLS',
      met: ratio <= 1.1,
      notes: `${pairs.length} alternating pairs (both/standard: ${pairs.map((p) => (p.both / p.standard).toFixed(3)).join(', ')}); the same encode goes to the TS muxer and, through ffmpeg's tee, to a fragmented-MP4 muxer on a pipe per rung; the origin cuts parts from it in memory`,
    },
    {
      name: `12. LL-HLS blocking playlist reload, ${viewers} players at the edge of a paid channel (signature checked per request)`,
      ours: `${Math.round(swarm.playlistsPerSecond).toLocaleString('en')} blocking playlist answers/s + ${Math.round(swarm.partsPerSecond).toLocaleString('en')} parts/s`,
      peer: `${swarm.published} parts published × ${viewers} players`,
      ratio: swarm.coverage,
      target: 'every player gets every part (≥ 0.98 of them), no failure',
      met: swarm.coverage >= 0.98 && swarm.failures === 0,
      notes: `each player holds \`q/ll-360p.m3u8?…&_HLS_msn=M&_HLS_part=P\` for the next part, then fetches the part (0.333 s parts, 2 s segments); ` +
        `time from the first to the last of the ${viewers} answers for one part: median ${swarm.wakeSpreadMs.p50.toFixed(0)} ms, p90 ${swarm.wakeSpreadMs.p90.toFixed(0)} ms, max ${swarm.wakeSpreadMs.max.toFixed(0)} ms; ` +
        `the origin used ${swarm.cores.toFixed(2)} cores (its transcoder not counted); ${swarm.failures} failed requests; the load generator shares the 2 cores`,
    },
  ];
}
