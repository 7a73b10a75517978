import { rssMb } from './processes.ts';

/** What a swarm of simulated viewers saw. */
export interface SwarmReport {
  readonly requests: number;
  /** Failed requests, each as `<status or error> <path>`. */
  readonly failures: readonly string[];
  /** Response times of every segment fetched, in ms, sorted. */
  readonly segmentMs: readonly number[];
  readonly peakRssMb: number;
  readonly baselineRssMb: number;
}

/** The p-th percentile (0..1) of sorted numbers. */
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

/** A playlist entry as a player resolves it: `{$NAME}` from the playlist URL's query (EXT-X-DEFINE:QUERYPARAM), then relative to the playlist. */
export function resolveEntry(uri: string, playlistUrl: string): string {
  const query = new URL(playlistUrl).searchParams;
  return new URL(uri.replace(/\{\$([A-Za-z0-9_-]+)\}/g, (_m, name: string) => query.get(name) ?? ''), playlistUrl).href;
}

/**
 * Runs `viewers` simulated players for `seconds`: each reloads the media playlist every `reloadMs` and fetches
 * every newly listed segment, like hls.js at the live edge. Samples the origin's RSS every 250 ms.
 */
export async function runViewerSwarm(opts: { viewers: number; seconds: number; playlistUrl: string; reloadMs: number; originPid: number }): Promise<SwarmReport> {
  const baselineRssMb = rssMb(opts.originPid);
  let peakRssMb = baselineRssMb;
  let requests = 0;
  const failures: string[] = [];
  const segmentMs: number[] = [];
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(opts.originPid))), 250);
  const end = performance.now() + opts.seconds * 1000;
  const get = async (url: string): Promise<Response | undefined> => {
    requests++;
    try {
      const res = await fetch(url);
      if (res.ok) return res;
      failures.push(`${res.status} ${new URL(url).pathname}`);
      await res.arrayBuffer();
    } catch (e) {
      failures.push(`${(e as Error).message} ${new URL(url).pathname}`);
    }
    return undefined;
  };
  const viewer = async (): Promise<void> => {
    const seen = new Set<string>();
    await new Promise((r) => setTimeout(r, Math.random() * opts.reloadMs));
    while (performance.now() < end) {
      const list = await (await get(opts.playlistUrl))?.text();
      // the first load starts at the live edge (the last two segments), as players do
      const entries = (list ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      for (const entry of seen.size === 0 ? entries.slice(-2) : entries) {
        if (seen.has(entry)) continue;
        seen.add(entry);
        const t = performance.now();
        const res = await get(resolveEntry(entry, opts.playlistUrl));
        if (res) {
          await res.arrayBuffer();
          segmentMs.push(performance.now() - t);
        }
      }
      await new Promise((r) => setTimeout(r, opts.reloadMs));
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.viewers }, viewer));
  } finally {
    clearInterval(sampler);
  }
  return { requests, failures, segmentMs: segmentMs.sort((a, b) => a - b), peakRssMb, baselineRssMb };
}
