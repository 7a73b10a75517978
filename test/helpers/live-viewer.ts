import fs from 'node:fs';
import path from 'node:path';
import { isCompleteTransportStream } from '../../server/hls/segment-check.ts';

/** Segment URIs a media playlist lists, in order (relative to the channel folder). */
export function listedSegments(playlist: string): string[] {
  return playlist.split('\n').filter((l) => l.endsWith('.ts'));
}

/** A viewer following live media playlists: every newly listed segment is fetched once, at once. */
export interface LiveViewer {
  /** Segment path → its bytes (and when it was first listed), for every segment fetched with 200. */
  readonly seen: Map<string, { bytes: Buffer; listedAt: number }>;
  /** Listed segments that did not answer 200 (`path: status`). */
  readonly failures: string[];
  /** Listed segments served with bytes that are not whole MPEG-TS packets. */
  readonly incomplete: string[];
  /** Segments of one rung seen so far. */
  count(rung: string): number;
  stop(): Promise<void>;
}

/** Starts a viewer of `channel` at `baseUrl` on the given rungs (network errors are retried, not counted: the origin may be down). */
export function followLive(opts: { baseUrl: string; channel: string; rungs: readonly string[]; headers?: Record<string, string>; intervalMs?: number }): LiveViewer {
  const seen = new Map<string, { bytes: Buffer; listedAt: number }>();
  const failures: string[] = [];
  const incomplete: string[] = [];
  const headers = opts.headers ?? {};
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const rung of opts.rungs) {
        const res = await fetch(`${opts.baseUrl}/live/${opts.channel}/${rung}.m3u8`, { headers }).catch(() => undefined);
        if (res?.status !== 200) continue;
        const listedAt = Date.now();
        for (const uri of listedSegments(await res.text())) {
          const p = `/live/${opts.channel}/${uri}`;
          if (seen.has(p)) continue;
          const seg = await fetch(`${opts.baseUrl}${p}`, { headers }).catch(() => undefined);
          if (!seg) continue;
          const bytes = Buffer.from(await seg.arrayBuffer());
          if (seg.status !== 200) {
            failures.push(`${p}: ${seg.status}`);
            continue;
          }
          if (!isCompleteTransportStream(bytes)) incomplete.push(`${p}: ${bytes.length} bytes`);
          seen.set(p, { bytes, listedAt });
        }
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  })();
  return {
    seen,
    failures,
    incomplete,
    count: (rung) => [...seen.keys()].filter((p) => p.split('/')[4] === rung).length,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** PIDs of the origin's ffmpeg transcoders writing into `channel`'s live folder (found by their command line). */
export function transcoderPids(childPids: readonly number[], dataDir: string, channel: string): number[] {
  const marker = `${path.join(dataDir, 'live', channel)}${path.sep}`;
  return childPids.filter((pid) => {
    try {
      // a transcoder writing LL-HLS runs in its run's folder with relative paths; otherwise its paths name the folder
      return `${fs.readlinkSync(`/proc/${pid}/cwd`)}${path.sep}`.startsWith(marker) || fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false; // exited meanwhile
    }
  });
}
