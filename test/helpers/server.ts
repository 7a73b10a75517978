import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readableLine } from './log-lines.ts';
import { freePort, spawnChild, type Child } from './processes.ts';
import { waitFor } from './wait.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A real origin process on ephemeral loopback ports with its own data folder. */
export interface TestServer {
  readonly child: Child;
  readonly pid: number;
  readonly httpPort: number;
  /** A port that only speaks RTMP. */
  readonly rtmpPort: number;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly demoKey: string;
  readonly adminToken: string;
  /** What the origin printed, its pino JSON lines rendered as `LEVEL msg {fields}` (readableLog). */
  output(): string;
  /** What the origin printed, as printed. */
  rawOutput(): string;
  rtmpUrl(key: string, port?: number, app?: string): string;
  get(p: string, headers?: Record<string, string>): Promise<Response>;
  /** SIGTERM by PID (SIGKILL with `kill`), then removes the data folder unless `keepData`; resolves with the exit code. */
  stop(opts?: { keepData?: boolean; signal?: NodeJS.Signals }): Promise<number | null>;
}

/** Small, quick defaults for tests: a 3-rung ladder for a 320x240 source, 1 s segments, 4 s grace. */
export const TEST_ENV = {
  LADDER: '240p:300k,180p:200k,120p:100k',
  SEGMENT_SECONDS: '1',
  LIVE_GRACE_SECONDS: '4',
  X264_PRESET: 'ultrafast',
} as const;

/** Starts `server/main.ts` with the HTTP port also accepting RTMP, plus a dedicated RTMP port (`dataDir` reuses a folder and `httpPort` a port: a restart). */
export async function startServer(env: Record<string, string> = {}, opts: { dataDir?: string; httpPort?: number } = {}): Promise<TestServer> {
  const httpPort = opts.httpPort ?? (await freePort());
  let rtmpPort = await freePort();
  while (rtmpPort === httpPort) rtmpPort = await freePort(); // the OS may hand the same free port out twice
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-test-'));
  const child = spawnChild(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...TEST_ENV,
      HTTP_PORT: String(httpPort),
      RTMP_PORTS: `${rtmpPort},${httpPort}`,
      BIND: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      DATA_DIR: dataDir,
      MEDIA_DIR: path.join(dataDir, 'media'),
      ...env,
    },
  });
  let out = '';
  // rendered as the lines arrive (each stream's partial last line waits for its end)
  let readable = '';
  const partial = { stdout: '', stderr: '' };
  const take = (stream: 'stdout' | 'stderr') => (d: Buffer): void => {
    out += d.toString();
    const lines = (partial[stream] + d.toString()).split('\n');
    partial[stream] = lines.pop()!;
    for (const line of lines) readable += `${readableLine(line)}\n`;
  };
  child.proc.stdout!.on('data', take('stdout'));
  child.proc.stderr!.on('data', take('stderr'));
  await waitFor('the origin to listen', () => out.includes('"msg":"listening"') || (child.proc.exitCode !== null && Promise.reject(new Error(out))), 20_000);
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  return {
    child,
    pid: child.pid,
    httpPort,
    rtmpPort,
    baseUrl,
    dataDir,
    demoKey: /Stream key:\s+(sk_\S+)/.exec(out)![1]!,
    adminToken: /Admin token[^:]*\): (\S+)/.exec(out)?.[1] ?? env.ADMIN_TOKEN ?? fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim(),
    output: () => readable + (partial.stdout || partial.stderr ? `${partial.stdout}${partial.stderr}` : ''),
    rawOutput: () => out,
    rtmpUrl: (key, port = rtmpPort, app = 'cfx/st') => `rtmp://127.0.0.1:${port}/${app}/${key}`,
    get: (p, headers = {}) => fetch(`${baseUrl}${p}`, { headers }),
    async stop({ keepData = false, signal = 'SIGTERM' } = {}) {
      const code = await child.kill(signal);
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Creates a channel through the admin API (title: the name unless given; free unless priced); fails unless 201. */
export async function createChannel(server: Pick<TestServer, 'baseUrl' | 'adminToken'>, name: string, opts: { title?: string; priceCents?: number; headers?: Record<string, string> } = {}): Promise<{ id: string; streamKey: string }> {
  const res = await fetch(`${server.baseUrl}/api/admin/channels`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ name, title: opts.title ?? name, ...(opts.priceCents !== undefined ? { priceCents: opts.priceCents } : {}) }),
  });
  if (res.status !== 201) throw new Error(`creating channel ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; streamKey: string };
}

/** Registers a bucket video through the admin API and waits for it to be packaged; returns its id. */
export async function addVideo(server: Pick<TestServer, 'baseUrl' | 'adminToken'>, source: string, title: string, priceCents = 0): Promise<string> {
  const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
  const res = await fetch(`${server.baseUrl}/api/admin/videos`, { method: 'POST', headers: auth, body: JSON.stringify({ source, title, priceCents }) });
  const { id, jobId } = (await res.json()) as { id: string; jobId: string };
  await waitFor(`packaging of ${title}`, async () => ((await (await fetch(`${server.baseUrl}/api/admin/jobs/${jobId}`, { headers: auth })).json()) as { state: string }).state === 'done', 60_000, 200);
  return id;
}

/** A new viewer buys an item through the demo checkout; returns its cookie header and its `/api/playback/<item>` answer. */
export async function buyAsNewViewer(server: Pick<TestServer, 'baseUrl'>, itemId: string): Promise<{ cookie: string; playback: { url: string; llUrl?: string; dvrUrl?: string } }> {
  const base = server.baseUrl;
  const viewer = /bo_viewer=([^;]+)/.exec((await fetch(`${base}/`)).headers.getSetCookie().join('\n'))?.[1];
  if (!viewer) throw new Error('the origin set no viewer cookie');
  const cookie = `bo_viewer=${viewer}`;
  const checkout = await fetch(`${base}/api/checkout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ itemId }) });
  const { url } = (await checkout.json()) as { url: string };
  const paid = await fetch(url, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=buyer%40example.com', redirect: 'manual' });
  await fetch(new URL(paid.headers.get('location')!, base), { headers: { cookie } });
  const playback = await fetch(`${base}/api/playback/${itemId}`, { headers: { cookie } });
  if (playback.status !== 200) throw new Error(`playback after the purchase: ${playback.status}`);
  return { cookie, playback: (await playback.json()) as { url: string; llUrl?: string; dvrUrl?: string } };
}
