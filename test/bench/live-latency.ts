// Comparisons 3 and 5: publish → first playable ladder (master + first segment of every rung) and the delay
// between a segment's media end and its listing, for the origin (veryfast, and with zerolatency tuning)
// and for nginx-rtmp `hls on` publishing one copied rendition.
import { spawnChild, type Child } from '../helpers/processes.ts';
import { startServer } from '../helpers/server.ts';
import type { Row } from './http-serving.ts';
import { median, startNginx } from './tools.ts';

/** An OBS-like publisher: 720p30, x264 veryfast, a keyframe every 2 s, AAC. */
function publish(url: string): Child {
  return spawnChild('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-b:v', '4500k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k',
    '-f', 'flv', url,
  ]);
}

/** Timing of one stream: seconds from publish to the first playable ladder, and each segment's listing delay. */
interface Timing {
  readonly firstPlayable: number;
  readonly delays: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const segmentsOf = (text: string): Array<{ uri: string; duration: number }> =>
  [...text.matchAll(/#EXTINF:([\d.]+),[^\n]*\n([^\n#]+)/g)].map((m) => ({ duration: Number(m[1]), uri: m[2]!.trim() }));

/** Polls playlists every 20 ms: first playable when every media playlist lists a fetchable segment; then delays on the first. */
async function observe(t0: number, mediaUrls: string[], masterUrl: string | undefined, count: number): Promise<Timing> {
  let firstPlayable: number | undefined;
  const seen = new Map<string, number>();
  const deadline = t0 + 60_000 + count * 3000;
  let cumulative = 0;
  const delays: number[] = [];
  while (performance.now() < deadline && delays.length < count) {
    const texts = await Promise.all(mediaUrls.map(async (u) => ((await fetch(u).catch(() => undefined))?.ok ? (await fetch(u)).text() : '')));
    if (firstPlayable === undefined) {
      const masterOk = masterUrl === undefined || (await fetch(masterUrl).catch(() => undefined))?.status === 200;
      const firsts = texts.map((t, i) => (segmentsOf(t)[0] ? new URL(segmentsOf(t)[0]!.uri, mediaUrls[i]).href : undefined));
      if (masterOk && firsts.every(Boolean) && (await Promise.all(firsts.map(async (u) => (await fetch(u!)).ok))).every(Boolean)) firstPlayable = (performance.now() - t0) / 1000;
    }
    for (const seg of segmentsOf(texts[0] ?? '')) {
      if (seen.has(seg.uri)) continue;
      seen.set(seg.uri, performance.now());
      cumulative += seg.duration;
      // the media end of this segment is `cumulative` seconds after the publisher started (it sends in real time)
      if (seen.size > 1) delays.push((performance.now() - t0) / 1000 - cumulative);
    }
    await sleep(20);
  }
  return { firstPlayable: firstPlayable ?? NaN, delays };
}

async function ours(tune: 'zerolatency' | undefined, count: number): Promise<Timing> {
  const server = await startServer({ LADDER: '720p:3000k,480p:1400k,360p:800k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast', ...(tune ? { X264_TUNE: tune } : {}) });
  const t0 = performance.now();
  const publisher = publish(server.rtmpUrl(server.demoKey));
  try {
    return await observe(t0, ['720p', '480p', '360p'].map((r) => `${server.baseUrl}/live/demo/${r}.m3u8`), `${server.baseUrl}/live/demo/master.m3u8`, count);
  } finally {
    await publisher.kill('SIGKILL');
    await server.stop();
  }
}

async function nginxRtmp(count: number): Promise<Timing> {
  const nginx = await startNginx();
  const t0 = performance.now();
  const publisher = publish(`rtmp://127.0.0.1:${nginx.rtmpPort}/live/stream`);
  try {
    return await observe(t0, [`http://127.0.0.1:${nginx.httpPort}/hls/stream.m3u8`], undefined, count);
  } finally {
    await publisher.kill('SIGKILL');
    await nginx.stop();
  }
}

const s = (x: number): string => `${x.toFixed(2)} s`;

/** Runs comparisons 3 and 5. */
export async function benchLiveLatency(quick: boolean): Promise<Row[]> {
  const count = quick ? 3 : 6;
  const veryfast = await ours(undefined, count);
  const zerolatency = await ours('zerolatency', count);
  const peer = await nginxRtmp(count);
  return [
    {
      name: '3. Publish → first playable ladder (master + first segment of every rung), 2 s segments',
      ours: `${s(veryfast.firstPlayable)} (3 rungs from a 720p publish)`,
      peer: `nginx-rtmp ${s(peer.firstPlayable)} (one copied rendition)`,
      ratio: veryfast.firstPlayable / peer.firstPlayable,
      target: '≤ 1.3× nginx-rtmp',
      met: veryfast.firstPlayable / peer.firstPlayable <= 1.3,
      notes: 'from starting an OBS-like ffmpeg publisher (720p30 veryfast, 2 s GOP) until every playlist lists a segment that can be fetched; polled every 20 ms',
    },
    {
      name: '5. Segment latency: media end → listed (median)',
      ours: `veryfast ${s(median(veryfast.delays))}; veryfast + zerolatency ${s(median(zerolatency.delays))}`,
      peer: `nginx-rtmp ${s(median(peer.delays))} (copied video)`,
      ratio: median(veryfast.delays) / median(peer.delays),
      target: 'report',
      met: true,
      notes: `delay of each new segment after the first, against the publisher's real-time clock (publisher start-up included, the same for both); raw: veryfast ${veryfast.delays.map((d) => d.toFixed(2)).join(', ')}; zerolatency ${zerolatency.delays.map((d) => d.toFixed(2)).join(', ')}; nginx-rtmp ${peer.delays.map((d) => d.toFixed(2)).join(', ')}`,
    },
  ];
}
