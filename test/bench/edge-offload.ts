// Comparison 9: 1,000 simulated viewers of one live channel for 60 s through the CloudFront-like edge
// (deploy/edge/nginx.conf, signatures checked at the edge, cache by path) against the same viewers straight
// on the origin: origin requests per new segment per rung, the edge's hit ratio, and the origin's CPU.
import { cpuTimesOf } from '../../server/live/capacity.ts';
import { startEdge, type EdgeHit } from '../helpers/edge.ts';
import { freePort, startPublisher } from '../helpers/processes.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { runViewerSwarm, type SwarmReport } from '../helpers/viewers.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Row } from './http-serving.ts';

const SECRET = 'bench-edge-secret-0123456789';
const RUNGS = ['360p', '240p', '180p'] as const;
const ORIGIN_ENV = { LADDER: '360p:800k,240p:400k,180p:250k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast' };

/** One phase's figures: what the viewers saw and the origin's CPU seconds over the window. */
interface Phase {
  readonly swarms: SwarmReport[];
  readonly cpuSeconds: number;
  readonly seconds: number;
}

/** Runs `viewers` viewers split over the rungs (playlist URL per rung) while measuring the origin's CPU. */
async function watch(server: TestServer, viewers: number, seconds: number, playlistOf: (rung: string) => string): Promise<Phase> {
  const before = cpuTimesOf(server.pid)!;
  const swarms = await Promise.all(RUNGS.map((rung, i) =>
    runViewerSwarm({ viewers: Math.floor(viewers / RUNGS.length) + (i < viewers % RUNGS.length ? 1 : 0), seconds, playlistUrl: playlistOf(rung), reloadMs: 2000, originPid: server.pid }),
  ));
  const after = cpuTimesOf(server.pid)!;
  return { swarms, cpuSeconds: after.user + after.system - before.user - before.system, seconds };
}

const failures = (p: Phase): number => p.swarms.reduce((n, s) => n + s.failures.length, 0);
const requests = (p: Phase): number => p.swarms.reduce((n, s) => n + s.requests, 0);

/** Runs comparison 9. */
export async function benchEdgeOffload(quick: boolean): Promise<Row[]> {
  const viewers = 1000;
  const seconds = quick ? 15 : 60;

  // through the edge: the origin behind it trusts it (ENFORCE_SIGNATURES=false) and refuses anyone else
  const edgePort = await freePort();
  const behind = await startServer({ ...ORIGIN_ENV, PUBLIC_URL: `http://127.0.0.1:${edgePort}`, ENFORCE_SIGNATURES: 'false', TRUST_PROXY: 'true', ORIGIN_SECRET: SECRET });
  const edge = await startEdge({ originPort: behind.httpPort, dataDir: behind.dataDir, originSecret: SECRET, port: edgePort });
  let edged: Phase;
  let hits: EdgeHit[];
  let windowStart: number;
  let publisher = startPublisher(behind.rtmpUrl(behind.demoKey), { width: 640, height: 360, fps: 30 });
  try {
    await waitFor('the channel behind the edge', async () => (await fetch(`${behind.baseUrl}/live/demo/180p.m3u8`, { headers: { 'x-origin-secret': SECRET } })).status === 200, 30_000);
    // behind a CDN the box office signs free items too; every viewer holds the same kind of signed URL
    const { url } = (await (await fetch(`${edge.baseUrl}/api/playback/demo`)).json()) as { url: string };
    const query = url.slice(url.indexOf('?'));
    windowStart = Date.now();
    edged = await watch(behind, viewers, seconds, (rung) => `${edge.baseUrl}/live/demo/q/${rung}.m3u8${query}`);
    hits = edge.hits().filter((h) => h.at >= windowStart);
  } finally {
    await publisher.kill('SIGKILL');
    await edge.stop();
    await behind.stop();
  }

  // straight on the origin: the same viewers, the origin checks nothing (a free channel)
  const direct = await startServer(ORIGIN_ENV);
  publisher = startPublisher(direct.rtmpUrl(direct.demoKey), { width: 640, height: 360, fps: 30 });
  let straight: Phase;
  try {
    await waitFor('the channel on the origin', async () => (await fetch(`${direct.baseUrl}/live/demo/180p.m3u8`)).status === 200, 30_000);
    straight = await watch(direct, viewers, seconds, (rung) => `${direct.baseUrl}/live/demo/${rung}.m3u8`);
  } finally {
    await publisher.kill('SIGKILL');
    await direct.stop();
  }

  // origin requests seen in the edge's log: a request the cache did not answer (MISS, EXPIRED, ...)
  const fromOrigin = (h: EdgeHit): boolean => h.cache !== 'HIT' && h.cache !== '-' && h.cache !== 'STALE';
  const media = hits.filter((h) => h.uri.startsWith('/live/'));
  const perRung = RUNGS.map((rung) => {
    const segments = media.filter((h) => h.uri.includes(`/${rung}/`) || new RegExp(`/${rung}[_/-][^/]*\\.ts$`).test(h.uri)).filter((h) => h.uri.endsWith('.ts'));
    const fresh = new Set(segments.map((h) => h.uri)).size;
    return { rung, fresh, originSegments: segments.filter(fromOrigin).length, originPlaylists: media.filter((h) => h.uri.endsWith(`/${rung}.m3u8`) && fromOrigin(h)).length };
  });
  const worst = Math.max(...perRung.map((r) => (r.fresh === 0 ? Infinity : r.originSegments / r.fresh)));
  const hitRatio = media.filter((h) => h.cache === 'HIT').length / Math.max(1, media.length);
  const cores = (p: Phase): number => p.cpuSeconds / p.seconds;
  return [
    {
      name: `9. Edge offload, ${viewers.toLocaleString('en')} viewers of one live channel for ${seconds} s`,
      ours: `${worst.toFixed(2)} origin segment requests per new segment per rung; edge hit ratio ${(hitRatio * 100).toFixed(1)} %; origin CPU ${cores(edged).toFixed(3)} cores`,
      peer: `straight on the origin: origin CPU ${cores(straight).toFixed(3)} cores, ${requests(straight).toLocaleString('en')} origin requests`,
      ratio: worst,
      target: '≤ 1.05 per segment per rung',
      met: worst <= 1.05 && failures(edged) === 0,
      notes: `through the edge ${requests(edged).toLocaleString('en')} viewer requests (${failures(edged)} failed) became ${media.filter(fromOrigin).length.toLocaleString('en')} origin requests; per rung (new segments, origin segment fetches, origin playlist fetches): ${perRung.map((r) => `${r.rung} ${r.fresh}/${r.originSegments}/${r.originPlaylists}`).join(', ')}; playlist refreshes reach the origin 2 to 3 times per max-age, not once per viewer (nginx's lock collapses misses but not the refreshes of an expired entry); straight on the origin ${failures(straight)} failed; the ladder's ffmpeg is not in the origin CPU figure (its own process)`,
    },
  ];
}
