import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** A free TCP port on 127.0.0.1 (bound once by the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True while a process with this PID exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True while a process with this PID runs: a zombie (exited, not yet reaped, as under an init that reaps late) does not count. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** PIDs of a process's direct children running `name` (e.g. the origin's ffmpeg transcoders). */
export function childPids(parentPid: number, name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parentPid), '-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** A child process with a promise of its exit code. */
export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns a process (argument array, no shell) and tracks its exit; its stdin is closed unless `stdin: 'pipe'`. */
export function spawnChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: 'pipe' } = {}): Child {
  const proc = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return {
    proc,
    pid: proc.pid!,
    exited,
    async kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Publishes a lavfi test pattern (and a sine tone) to an RTMP URL in real time, like OBS would. */
export function startPublisher(url: string, opts: { width?: number; height?: number; fps?: number; audio?: boolean } = {}): Child {
  const { width = 320, height = 240, fps = 15, audio = true } = opts;
  return spawnChild('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(fps), '-pix_fmt', 'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-b:a', '64k'] : []),
    '-f', 'flv', url,
  ]);
}

/** A process's resident memory in MB, from /proc. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Publishes to `url` and waits for the origin to refuse it: the exit code (SIGKILLed and 'running' after `ms`) and what ffmpeg printed. */
export async function publishUntilRefused(url: string, ms = 10_000): Promise<{ code: number | null | 'running'; said: string }> {
  const pub = startPublisher(url);
  let said = '';
  pub.proc.stderr!.on('data', (d: Buffer) => (said += d.toString()));
  const code = await Promise.race([pub.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);
  if (code === 'running') await pub.kill('SIGKILL');
  return { code, said };
}

/** Publishes a file on a loop in real time without re-encoding (almost no CPU: the origin's work is what a test measures). */
export function startClipPublisher(file: string, url: string): Child {
  return spawnChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', url]);
}
