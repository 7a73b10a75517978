// Comparison 8: origin memory with one live 720p channel (3 rungs) and 500 simulated viewers, each
// following the 360p playlist and fetching every new segment, bounded in time, on loopback.
import { startPublisher } from '../helpers/processes.ts';
import { startServer } from '../helpers/server.ts';
import { percentile, runViewerSwarm } from '../helpers/viewers.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Row } from './http-serving.ts';

/** Runs comparison 8. */
export async function benchMemory(quick: boolean): Promise<Row[]> {
  const viewers = 500;
  const seconds = quick ? 15 : 60;
  const server = await startServer({ LADDER: '720p:3000k,480p:1400k,360p:800k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast' });
  const publisher = startPublisher(server.rtmpUrl(server.demoKey), { width: 1280, height: 720, fps: 30 });
  try {
    await waitFor('the channel to go live', async () => (await fetch(`${server.baseUrl}/live/demo/360p.m3u8`)).status === 200, 30_000);
    const r = await runViewerSwarm({ viewers, seconds, playlistUrl: `${server.baseUrl}/live/demo/360p.m3u8`, reloadMs: 2000, originPid: server.pid });
    const p99 = percentile(r.segmentMs, 0.99);
    return [
      {
        name: `8. Origin memory, one live channel and ${viewers} viewers for ${seconds} s`,
        ours: `peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.baselineRssMb.toFixed(0)} MB before the viewers)`,
        peer: '—',
        ratio: r.peakRssMb / 250,
        target: '≤ 250 MB',
        met: r.peakRssMb <= 250 && r.failures.length === 0,
        notes: `${r.requests.toLocaleString('en')} requests, ${r.failures.length} failed; segment response p99 ${p99.toFixed(0)} ms over ${r.segmentMs.length.toLocaleString('en')} segments; ratio = peak / 250 MB`,
      },
    ];
  } finally {
    await publisher.kill('SIGKILL');
    await server.stop();
  }
}
