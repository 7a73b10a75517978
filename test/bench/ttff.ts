// Time to first frame of a free VOD video in Debian's Chromium on loopback: from navigation start to the
// video's `playing` event, as the player itself measures it.
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../helpers/browser.ts';
import { makeClip } from '../helpers/media.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Measures time to first frame over `runs` cold page loads; returns the report section. */
export async function benchTtff(runs: number): Promise<string> {
const RUNS = runs;
const server = await startServer({ LADDER: '720p:3000k,480p:1400k,360p:800k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast' });
const browser = await launchChromium();
try {
  const media = path.join(server.dataDir, 'media', 'videos');
  fs.mkdirSync(media, { recursive: true });
  await makeClip(path.join(media, 'bench.mp4'), { seconds: 10 });
  const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
  const { id, jobId } = (await (await fetch(`${server.baseUrl}/api/admin/videos`, { method: 'POST', headers: auth, body: JSON.stringify({ source: 'videos/bench.mp4', title: 'Bench' }) })).json()) as { id: string; jobId: string };
  await waitFor('packaging', async () => ((await (await fetch(`${server.baseUrl}/api/admin/jobs/${jobId}`, { headers: auth })).json()) as { state: string }).state === 'done', 120_000, 200);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext(); // a cold browser cache every run
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/watch/${id}`);
    await page.waitForFunction(() => document.body.dataset.ttffMs, null, { timeout: 30_000 });
    samples.push(Number(await page.evaluate(() => document.body.dataset.ttffMs)));
    await context.close();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const p90 = sorted[Math.ceil(sorted.length * 0.9) - 1]!;
  return [
    '## Time to first frame (web player, free VOD, loopback)',
    '',
    `- What: navigation start → the video's \`playing\` event in Debian's Chromium (headless, Playwright), a cold browser context per run, 10 s 720p clip packaged into 720p/480p/360p with 2 s segments, served by the origin on 127.0.0.1.`,
    `- Runs: ${RUNS}; median **${median} ms**, p90 ${p90} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`,
    `- Raw (ms): ${samples.join(', ')}`,
  ].join('\n');
} finally {
  await browser.close();
  await server.stop();
}
}
