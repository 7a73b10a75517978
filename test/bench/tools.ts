// Tools the benchmarks share: our own nginx (its own prefix and config, 127.0.0.1 only, stopped by PID),
// wrk, and CPU accounting of child processes.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cpuTimesOf } from '../../server/live/capacity.ts';
import { freePort, spawnChild, type Child } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);

/** A running nginx: its ports and folders. */
export interface Nginx {
  readonly httpPort: number;
  readonly rtmpPort: number;
  /** Folder served at `/` over HTTP (files here are what nginx serves). */
  readonly root: string;
  /** Where nginx-rtmp writes HLS (served at `/hls/`). */
  readonly hlsPath: string;
  /** The master's PID and its workers'. */
  pids(): number[];
  stop(): Promise<void>;
}

/** Starts nginx with one worker and sendfile, HTTP on one port and (nginx-rtmp) RTMP with `hls on` on another. */
export async function startNginx(opts: { hlsFragmentSeconds?: number } = {}): Promise<Nginx> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nginx-'));
  const root = path.join(prefix, 'www');
  const hlsPath = path.join(prefix, 'hls');
  for (const d of [root, hlsPath, path.join(prefix, 'logs'), path.join(prefix, 'tmp')]) fs.mkdirSync(d, { recursive: true });
  // nginx's workers run as nobody: they must be able to read what they serve and write nginx-rtmp's HLS
  for (const d of [prefix, root, hlsPath]) fs.chmodSync(d, 0o777);
  const [httpPort, rtmpPort] = [await freePort(), await freePort()];
  const conf = `
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/tmp;
  proxy_temp_path ${prefix}/tmp;
  fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp;
  scgi_temp_path ${prefix}/tmp;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:${httpPort};
    root ${root};
    location /hls/ { alias ${hlsPath}/; add_header Cache-Control no-cache; }
  }
}
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    application live { live on; hls on; hls_path ${hlsPath}; hls_fragment ${opts.hlsFragmentSeconds ?? 2}s; hls_playlist_length 12s; }
  }
}`;
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf);
  const child: Child = spawnChild('/usr/sbin/nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')]);
  await waitFor('nginx to listen', async () => (await fetch(`http://127.0.0.1:${httpPort}/`).catch(() => undefined)) !== undefined, 10_000);
  return {
    httpPort,
    rtmpPort,
    root,
    hlsPath,
    pids: () => [child.pid, ...childrenOf(child.pid)],
    async stop() {
      await child.kill('SIGTERM');
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** wrk's figures for one run. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
  /** The server's CPU per request in µs (user and kernel), when its PIDs were given. */
  readonly cpuPerRequest?: { readonly userUs: number; readonly systemUs: number };
}

/** Runs wrk (bounded in time) against a URL and reads requests/s, non-2xx answers, socket errors and, given the server's PIDs, its CPU per request. */
export async function runWrk(url: string, opts: { connections: number; seconds: number; threads?: number; headers?: Record<string, string>; serverPids?: readonly number[] }): Promise<WrkResult> {
  const headerArgs = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const before = opts.serverPids && processCpu(opts.serverPids);
  const { stdout } = await exec('wrk', ['-t', String(opts.threads ?? 1), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--latency', ...headerArgs, url], { timeout: (opts.seconds + 30) * 1000, maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = [...stdout.matchAll(/(connect|read|write|timeout) (\d+)/g)].reduce((a, m) => a + Number(m[2]), 0);
  if (!before) return { requestsPerSecond: rps, non2xx, errors };
  const after = processCpu(opts.serverPids!);
  const requests = rps * opts.seconds;
  return { requestsPerSecond: rps, non2xx, errors, cpuPerRequest: { userUs: ((after.user - before.user) * 1e6) / requests, systemUs: ((after.system - before.system) * 1e6) / requests } };
}

/** User and kernel CPU seconds the processes have used so far (all their threads). */
export function processCpu(pids: readonly number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    const t = cpuTimesOf(pid);
    if (!t) throw new Error(`process ${pid} is gone: its CPU time cannot be read`);
    user += t.user;
    system += t.system;
  }
  return { user, system };
}

/** The median element of `items` by `key` (the upper one of an even count). */
export function medianBy<T>(items: readonly T[], key: (t: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

/** The median of numbers (the upper one of an even count; NaN for none). */
export const median = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : medianBy(xs, (x) => x));

/** The PIDs of a process's children (nginx's workers). */
function childrenOf(pid: number): number[] {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Runs a command to completion and returns its CPU seconds (user + system, its children included) and wall seconds. */
export async function cpuOf(command: string, args: string[]): Promise<{ cpuSeconds: number; wallSeconds: number }> {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const start = process.hrtime.bigint();
  // bash's `times` prints the children's user and system time after the command ends
  const child = spawn('bash', ['-c', `${quoted} >/dev/null 2>&1; times`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const lines = out.trim().split('\n');
  const [user, sys] = (lines.at(-1) ?? '').split(/\s+/).map((t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  });
  return { cpuSeconds: (user ?? 0) + (sys ?? 0), wallSeconds };
}

/** The machine, for the report. */
export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}
