// Glass-to-glass latency on loopback: a publisher burns its wall clock into every frame it generates
// (clock-publisher.ts), the origin transcodes and packages it, and the origin's own web player (hls.js) plays
// it in Debian's Chromium, where every presented frame is drawn into a canvas, its stamp read back and
// compared with the time the frame was presented. One machine, so one clock; no estimates.
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright';
import { currentTime, launchChromium } from '../helpers/browser.ts';
import { startClockPublisher, type PublisherStats } from '../helpers/clock-publisher.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { clockPattern, type ClockPattern } from './clock-pattern.ts';

/** How the origin serves live HLS in a run (its LIVE_HLS). */
export type G2gMode = 'standard' | 'low-latency';

/** One mode's measured figures (seconds), for this report and for other benches to reuse. */
export interface G2gResult {
  readonly mode: G2gMode;
  /** Frames decoded in the window (each one sample). */
  readonly samples: number;
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  /** Every sample in the window, in the order presented (s). */
  readonly latencies: number[];
  /** Frames presented in the window whose pattern failed the checksum. */
  readonly rejected: number;
  /** Frames the compositor presented that never reached the frame callback (metadata.presentedFrames gaps). */
  readonly unseen: number;
  /** The publisher's frame loop over the whole run. */
  readonly publisher: PublisherStats;
  /** Frames the publisher skipped during the sampling window (each one shrinks the player's buffer by a frame). */
  readonly publisherInWindow: PublisherStats;
  /** Playlist requests by path (query stripped), with counts. */
  readonly playlists: Record<string, number>;
  /** Whether any playlist request carried `_HLS_msn` (LL-HLS blocking reloads). */
  readonly requestedBlocking: boolean;
  /** Samples per frame height shown (which rung played). */
  readonly heights: Record<string, number>;
  /** How frames were caught in the page. */
  readonly method: 'requestVideoFrameCallback' | 'requestAnimationFrame';
  /** The player's own latency badge at the end of the window (#latency), for comparison: its delay from the origin receiving the picture (PROGRAM-DATE-TIME) and hls.js's seconds behind the live edge, when shown. */
  readonly playerBadge: { readonly delay?: number; readonly behind?: number };
  /** Times the video waited for data (its `waiting` events): from page load, and in the sampling window. */
  readonly stalls: { readonly total: number; readonly inWindow: number };
  /** The page's performance clock minus Date.now() (ms), at the end: how far apart the two clocks were. */
  readonly clockSkewMs: number;
}

/** A frame seen in the page: when it was shown (wall ms), its stamp (undefined: rejected) and height. */
interface Seen {
  readonly shown: number;
  readonly stamp?: number;
  readonly height: number;
}

/** What the sampler keeps in the page (window.__g2g). */
interface PageState {
  seen: Seen[];
  unseenAt: number[];
  method: 'requestVideoFrameCallback' | 'requestAnimationFrame';
  callbacks: number;
}

const TARGETS: Record<G2gMode, number> = { standard: 7, 'low-latency': 2.5 };
const WARMUP_MS = 10_000;
const g2gWindow = (quick: boolean): number => (quick ? 15_000 : 60_000);

/**
 * Runs in the page (serialised with toString): catches every presented frame of `#video` with
 * requestVideoFrameCallback (a requestAnimationFrame loop if that never fires), draws its top band into a
 * canvas at the video's own size, reads the stamp and records when the frame was shown.
 */
function pageSampler(codec: ClockPattern): void {
  const video = document.querySelector<HTMLVideoElement>('#video')!;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const state: PageState = { seen: [], unseenAt: [], method: 'requestVideoFrameCallback', callbacks: 0 };
  (window as unknown as { __g2g: PageState }).__g2g = state;
  const read = (shown: number, width: number, height: number): void => {
    if (!width || !height) return;
    const band = Math.ceil((height * codec.refHeight) / 360) + 1;
    if (canvas.width !== width || canvas.height !== band) [canvas.width, canvas.height] = [width, band];
    ctx.drawImage(video, 0, 0, width, height); // the canvas holds only the top band
    const px = ctx.getImageData(0, 0, width, band).data;
    const luma = (x: number, y: number): number => {
      const i = (y * width + x) * 4;
      return 0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!;
    };
    const got = codec.read(luma, width, height);
    state.seen.push(got.ok ? { shown, stamp: codec.reconstruct(got.low40, Date.now()), height } : { shown, height });
  };
  let lastPresented: number | undefined;
  const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
    if (state.method !== 'requestVideoFrameCallback') return; // fell back to requestAnimationFrame meanwhile
    state.callbacks++;
    const shown = performance.timeOrigin + meta.expectedDisplayTime;
    if (lastPresented !== undefined && meta.presentedFrames > lastPresented + 1) for (let i = lastPresented + 1; i < meta.presentedFrames; i++) state.unseenAt.push(shown);
    lastPresented = meta.presentedFrames;
    read(shown, meta.width || video.videoWidth, meta.height || video.videoHeight);
    video.requestVideoFrameCallback(onFrame);
  };
  let lastTime = -1;
  const onAnimationFrame = (): void => {
    if (video.currentTime !== lastTime) {
      lastTime = video.currentTime;
      read(Date.now(), video.videoWidth, video.videoHeight);
    }
    requestAnimationFrame(onAnimationFrame);
  };
  if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(onFrame);
  const fallBack = (): void => {
    state.method = 'requestAnimationFrame';
    requestAnimationFrame(onAnimationFrame);
  };
  if (!('requestVideoFrameCallback' in video)) fallBack();
  else setTimeout(() => state.callbacks === 0 && fallBack(), 3000); // rVFC never fired although the video plays
}

/** The nearest-rank percentile of sorted values. */
const rank = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(sorted.length * q) - 1)]!;

/** Counts of the values' string forms. */
const countsOf = (values: Array<string | number>): Record<string, number> => values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [String(v)]: (acc[String(v)] ?? 0) + 1 }), {});

/** Opens the watch page, waits until the video's position advances, then installs the sampler. */
async function openAndPlay(page: Page, baseUrl: string): Promise<void> {
  await page.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);'); // tsx's keep-names helper in serialised functions
  await page.addInitScript("globalThis.__waits = []; document.addEventListener('waiting', () => globalThis.__waits.push(Date.now()), true);"); // media events do not bubble: caught in capture
  await page.goto(`${baseUrl}/watch/demo`);
  await waitFor('the video element', () => page.$('#video'), 30_000, 200);
  await waitFor('playback to start', async () => {
    await page.$eval('#video', (v) => {
      const video = v as HTMLVideoElement;
      if (video.paused) void video.play().catch(() => undefined); // not started (autoplay refused, or still loading): start it
    });
    return (await currentTime(page)) > 0.5;
  }, 60_000, 250);
  const t = await currentTime(page);
  await waitFor('the position to advance', async () => (await currentTime(page)) > t + 0.5, 15_000, 100);
  await page.evaluate(`(${pageSampler.toString()})((${clockPattern.toString()})())`);
}

/** The player's latency badge figures (#latency's data-delay and data-seconds), those it shows. */
async function badgeOf(page: Page): Promise<G2gResult['playerBadge']> {
  const data = await page.$eval('#latency', (e) => ({ ...(e as HTMLElement).dataset })).catch(() => ({}) as Record<string, string | undefined>);
  const num = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
  return { delay: num(data.delay), behind: num(data.seconds) };
}

/** Measures one mode on its own origin (`env` adds to its environment): publish, play, sample the window; stops everything it started. */
export async function measureMode(browser: Browser, mode: G2gMode, quick: boolean, env: Record<string, string> = {}): Promise<G2gResult> {
  const server = await startServer({ LADDER: '360p:800k,240p:400k', SEGMENT_SECONDS: '2', X264_PRESET: 'veryfast', LIVE_HLS: mode, ...env });
  const publisher = startClockPublisher(server.rtmpUrl(server.demoKey));
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  try {
    await waitFor('the demo channel on air', async () => /channel="demo",state="live"/.test(await (await server.get('/metrics')).text()) || (publisher.child.proc.exitCode !== null && Promise.reject(new Error(`the publisher exited: ${publisher.said()}`))), 30_000, 250);
    const page = await context.newPage();
    const playlists: string[] = [];
    page.on('request', (r) => void (/\.m3u8(\?|$)/.test(r.url()) && playlists.push(r.url())));
    await openAndPlay(page, server.baseUrl);
    const from = Date.now() + WARMUP_MS;
    const to = from + g2gWindow(quick);
    await waitFor('frames to the end of the window', async () => (await page.evaluate(() => (window as unknown as { __g2g: PageState }).__g2g.seen.at(-1)?.shown ?? 0)) >= to, to - Date.now() + 30_000, 500);
    const state = await page.evaluate(() => (window as unknown as { __g2g: PageState }).__g2g);
    const clockSkewMs = await page.evaluate(() => performance.timeOrigin + performance.now() - Date.now());
    const playerBadge = await badgeOf(page);
    const waits = await page.evaluate(() => (globalThis as unknown as { __waits: number[] }).__waits);
    const seen = state.seen.filter((s) => s.shown >= from && s.shown < to);
    const latencies = seen.flatMap((s) => (s.stamp === undefined ? [] : [(s.shown - s.stamp) / 1000]));
    if (latencies.length === 0) throw new Error(`${mode}: no frame decoded in the window (${seen.length} frames presented, ${state.callbacks} callbacks, method ${state.method}); publisher: ${publisher.said()}`);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      mode,
      samples: latencies.length,
      median: rank(sorted, 0.5),
      p90: rank(sorted, 0.9),
      min: sorted[0]!,
      max: sorted.at(-1)!,
      latencies,
      rejected: seen.length - latencies.length,
      unseen: state.unseenAt.filter((t) => t >= from && t < to).length,
      publisher: publisher.stats(),
      publisherInWindow: publisher.stats(from, to),
      playlists: countsOf(playlists.map((u) => new URL(u).pathname)),
      requestedBlocking: playlists.some((u) => /[?&]_HLS_msn=/.test(u)),
      heights: countsOf(seen.filter((s) => s.stamp !== undefined).map((s) => `${s.height}p`)),
      method: state.method,
      playerBadge,
      stalls: { total: waits.length, inWindow: waits.filter((t) => t >= from && t < to).length },
      clockSkewMs,
    };
  } finally {
    await context.close();
    await publisher.stop();
    await server.stop();
  }
}

/** Measures both modes (standard HLS, then low-latency HLS), each on its own origin, in one Chromium. */
export async function measureGlassToGlass(quick: boolean): Promise<G2gResult[]> {
  const browser = await launchChromium();
  try {
    const results: G2gResult[] = [];
    for (const mode of ['standard', 'low-latency'] as const) results.push(await measureMode(browser, mode, quick));
    return results;
  } finally {
    await browser.close();
  }
}

const s = (x: number): string => `${x.toFixed(2)} s`;
const shares = (counts: Record<string, number>): string => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.entries(counts).map(([k, n]) => `${k} ${Math.round((100 * n) / total)} %`).join(', ');
};

/** One mode's lines of the report. */
function modeLines(r: G2gResult, windowS: number): string[] {
  const target = TARGETS[r.mode];
  const met = r.median <= target;
  const [p, w] = [r.publisher, r.publisherInWindow];
  const badge = [r.playerBadge.delay === undefined ? '' : `${s(r.playerBadge.delay)} from the origin receiving the picture (PROGRAM-DATE-TIME)`, r.playerBadge.behind === undefined ? '' : `hls.js ${s(r.playerBadge.behind)} behind the live edge`].filter(Boolean);
  return [
    `- **${r.mode === 'standard' ? 'Standard HLS' : 'Low-latency HLS'}** (\`LIVE_HLS=${r.mode}\`): ${r.samples} samples over ${windowS} s; median **${s(r.median)}**, p90 ${s(r.p90)}, min ${s(r.min)}, max ${s(r.max)}; target ≤ ${target} s median: ${met ? 'met' : '**not met**'}`,
    `  - Frames: ${r.samples} decoded, ${r.rejected} rejected by the checksum, ${r.unseen} presented but not seen by the callback (${r.method}); rung shown: ${shares(r.heights)}`,
    `  - Publisher: ${p.written} frames written, ${p.skippedBackpressure} skipped for ffmpeg's backpressure (${w.skippedBackpressure} in the window), ${p.skippedLate} for a late timer (${w.skippedLate} in the window)`,
    `  - The player's own badge at the end: ${badge.length ? badge.join(', ') : 'no figure shown'}; the video waited for data ${r.stalls.total} times from page load (${r.stalls.inWindow} in the window)`,
    `  - Playlists requested: ${Object.entries(r.playlists).map(([path, n]) => `\`${path}\` ×${n}`).join(', ')}; blocking reloads (\`_HLS_msn\`): ${r.requestedBlocking ? 'yes' : 'none seen'}${r.mode === 'low-latency' && !r.requestedBlocking ? ' (so this mode played standard HLS)' : ''}`,
  ];
}

/** The report section for measured results. */
export function formatGlassToGlass(results: G2gResult[], quick: boolean): string {
  const windowS = g2gWindow(quick) / 1000;
  return [
    '## Glass-to-glass latency (publisher clock → frame on screen, loopback)',
    '',
    `- What: the publisher's wall clock when a frame is generated (its capture) to that frame being presented on screen, every sample a frame read back from the screen. It covers the publisher's encode (x264 veryfast, zerolatency, 1500 kbit/s, 2 s GOP), RTMP, the origin's transcode (ladder 360p/240p, veryfast) and packaging (2 s segments), HLS delivery over loopback, hls.js's buffer, decoding and presentation in Debian's Chromium (headless, Playwright) playing the origin's own watch page. On one machine, so one clock (page clock − Date.now() at the end: ${results.map((r) => `${r.clockSkewMs.toFixed(1)} ms`).join(', ')}).`,
    `- How: a Node loop generates 640x360 yuv420p frames at 30 fps in real time, each stamped with Date.now() as 16 × 3 black/white 40-pixel cells (the stamp's low 40 bits and a CRC-8), piped to ffmpeg; in the page every presented frame is drawn into a canvas at the video's size, the cells read (5-point majority each) and the stamp checked; latency = performance.timeOrigin + metadata.expectedDisplayTime − stamp. ${WARMUP_MS / 1000} s warm-up after playback starts, then ${windowS} s of samples; each mode on its own origin.`,
    ...results.flatMap((r) => modeLines(r, windowS)),
  ].join('\n');
}

/** Measures glass-to-glass latency for standard and low-latency HLS; returns the report section. */
export async function benchGlassToGlass(quick: boolean): Promise<string> {
  return formatGlassToGlass(await measureGlassToGlass(quick), quick);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await benchGlassToGlass(process.argv.includes('--quick')));
