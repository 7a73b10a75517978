// Comparison 8: origin memory with one live 720p channel (3 rungs) and 500 simulated viewers, each
// following the 360p playlist and fetching every new segment, bounded in time, on loopback.
import { startPublisher } from '../helpers/processes.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Row } from './http-serving.ts';
import { rssMb } from './tools.ts';

/** Runs comparison 8. */
export async function benchMemory(quick: boolean): Promise<Row[]> {
  const viewers = 500;
  const seconds = quick ? 15 : 60;
  const server = await startServer({ LADDER: '720p:3000k,480p:1400k,360p:800k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast' });
  const publisher = startPublisher(server.rtmpUrl(server.demoKey), { width: 1280, height: 720, fps: 30 });
  try {
    await waitFor('the channel to go live', async () => (await fetch(`${server.baseUrl}/live/demo/360p.m3u8`)).status === 200, 30_000);
    const baseline = rssMb(server.pid);
    let peak = baseline;
    let requests = 0;
    let failures = 0;
    const segmentTimes: number[] = [];
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 250);
    const end = performance.now() + seconds * 1000;
    const viewer = async (): Promise<void> => {
      const seen = new Set<string>();
      await new Promise((r) => setTimeout(r, Math.random() * 2000));
      while (performance.now() < end) {
        const list = await fetch(`${server.baseUrl}/live/demo/360p.m3u8`).then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status))))).catch(() => undefined);
        requests++;
        if (list === undefined) failures++;
        for (const uri of (list ?? '').split('\n').filter((l) => l.endsWith('.ts')).slice(-2)) {
          if (seen.has(uri)) continue;
          seen.add(uri);
          const t = performance.now();
          const ok = await fetch(`${server.baseUrl}/live/demo/${uri}`).then(async (r) => (await r.arrayBuffer(), r.ok)).catch(() => false);
          requests++;
          if (ok) segmentTimes.push(performance.now() - t);
          else failures++;
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    await Promise.all(Array.from({ length: viewers }, viewer));
    clearInterval(sampler);
    const sorted = segmentTimes.sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
    return [
      {
        name: `8. Origin memory, one live channel and ${viewers} viewers for ${seconds} s`,
        ours: `peak RSS ${peak.toFixed(0)} MB (${baseline.toFixed(0)} MB before the viewers)`,
        peer: '—',
        ratio: peak / 250,
        target: '≤ 250 MB',
        met: peak <= 250 && failures === 0,
        notes: `${requests.toLocaleString('en')} requests, ${failures} failed; segment response p99 ${p99.toFixed(0)} ms over ${sorted.length.toLocaleString('en')} segments; ratio = peak / 250 MB`,
      },
    ];
  } finally {
    await publisher.kill('SIGKILL');
    await server.stop();
  }
}
