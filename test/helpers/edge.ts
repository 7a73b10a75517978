import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnChild, type Child } from './processes.ts';
import { waitFor } from './wait.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One line of the edge's access log: what a viewer asked and whether the cache answered. */
export interface EdgeHit {
  readonly at: number;
  readonly status: number;
  /** nginx's $upstream_cache_status: HIT, MISS, EXPIRED, UPDATING, STALE, REVALIDATED, or '-' (not cached). */
  readonly cache: string;
  readonly uri: string;
}

/** A CloudFront-like edge (deploy/edge/nginx.conf) and its signature check service, started by PID on loopback. */
export interface Edge {
  readonly port: number;
  readonly baseUrl: string;
  /** The access log so far. */
  hits(): EdgeHit[];
  stop(): Promise<void>;
}

/** The edge config with its placeholders filled. */
export function renderEdgeConfig(vars: { PREFIX: string; LISTEN: string; ORIGIN: string; CHECK: string; ORIGIN_SECRET: string }): string {
  const template = fs.readFileSync(path.join(ROOT, 'deploy/edge/nginx.conf'), 'utf8');
  return template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => (name in vars ? vars[name as keyof typeof vars] : whole));
}

/**
 * Starts the check service (`server/edge/main.ts`, with the origin's data folder for its keys) and nginx
 * in front of the origin on `originPort`. `port` pins the edge's port (the origin's PUBLIC_URL names it).
 */
export async function startEdge(opts: { originPort: number; dataDir: string; originSecret: string; port?: number }): Promise<Edge> {
  const port = opts.port ?? (await freePort());
  const checkPort = await freePort();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-edge-'));
  for (const d of ['tmp', 'cache']) fs.mkdirSync(path.join(prefix, d));
  fs.chmodSync(prefix, 0o777); // nginx's workers run as nobody
  for (const d of ['tmp', 'cache']) fs.chmodSync(path.join(prefix, d), 0o777);
  const check: Child = spawnChild(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/edge/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: opts.dataDir, EDGE_CHECK_PORT: String(checkPort), BIND: '127.0.0.1', LOG_LEVEL: 'warn' },
  });
  let checkOut = '';
  check.proc.stderr!.on('data', (d: Buffer) => (checkOut += d.toString()));
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, renderEdgeConfig({ PREFIX: prefix, LISTEN: `127.0.0.1:${port}`, ORIGIN: `127.0.0.1:${opts.originPort}`, CHECK: `127.0.0.1:${checkPort}`, ORIGIN_SECRET: opts.originSecret }));
  const nginx: Child = spawnChild('/usr/sbin/nginx', ['-p', prefix, '-c', conf]);
  const stop = async (): Promise<void> => {
    await Promise.all([nginx.kill('SIGQUIT'), check.kill()]);
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor('the edge check service', async () => (await fetch(`http://127.0.0.1:${checkPort}/`).catch(() => undefined))?.status === 400 || (check.proc.exitCode !== null && Promise.reject(new Error(checkOut))), 15_000);
    await waitFor('nginx to listen', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)) !== undefined || (nginx.proc.exitCode !== null && Promise.reject(new Error(fs.readFileSync(path.join(prefix, 'error.log'), 'utf8')))), 10_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    hits: () =>
      fs.readFileSync(path.join(prefix, 'access.log'), 'utf8').split('\n').filter(Boolean).map((line) => {
        const [at, status, cache, uri] = /^(\S+) (\d+) (\S+) "([^"]*)"/.exec(line)!.slice(1);
        return { at: Number(at) * 1000, status: Number(status), cache: cache!, uri: uri! };
      }),
    stop,
  };
}
