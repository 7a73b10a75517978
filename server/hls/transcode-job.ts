import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Logger } from '../log.ts';
import { createProgressParser, type Progress } from './ffmpeg-progress.ts';

/** How one ffmpeg attempt ended. */
export interface JobExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote to stderr. */
  readonly stderrTail: string;
}

/** One ffmpeg process: bytes in on stdin, progress out; the supervisor decides what happens after it exits. */
export interface TranscodeJob {
  readonly pid: number | undefined;
  readonly exited: Promise<JobExit>;
  write(chunk: Buffer): void;
  /** Ends stdin so ffmpeg flushes its last segment and exits. */
  finish(): void;
  /** Ends the process by PID: SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<JobExit>;
}

/** What a job needs from its owner. */
export interface TranscodeJobOptions {
  readonly ffmpegPath: string;
  readonly args: readonly string[];
  readonly log: Logger;
  readonly onProgress?: (p: Progress) => void;
  /** Bytes queued for stdin beyond which ffmpeg counts as stuck and is killed (default 64 MiB). */
  readonly maxBacklogBytes?: number;
  /** The folder ffmpeg runs in (relative paths in `args` are below it). */
  readonly cwd?: string;
  /** Output pipes on file descriptors 3, 4, …: `onOutput(i, chunk)` gets what ffmpeg writes to fd `3 + i`. */
  readonly outputs?: number;
  readonly onOutput?: (index: number, chunk: Buffer) => void;
}

const STDERR_TAIL_LINES = 20;

/** util-linux's setpriv (always on Debian): execs the command with a parent-death signal set. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * The command line that runs ffmpeg so it dies with the origin: a crashed origin must not leave encoders
 * running (ffmpeg ignores SIGPIPE, so a dead reader of its progress pipe would not stop it). `setpriv`
 * execs ffmpeg in place, so the PID is ffmpeg's.
 */
export function diesWithParent(command: string, args: readonly string[]): [string, string[]] {
  return process.platform === 'linux' && fs.existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, [...args]];
}

/** Starts one ffmpeg process with an argument array (never a shell). */
export function startTranscodeJob(opts: TranscodeJobOptions): TranscodeJob {
  const [command, args] = diesWithParent(opts.ffmpegPath, opts.args);
  const outputs = opts.outputs ?? 0;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe', ...Array.from({ length: outputs }, () => 'pipe' as const)], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  for (let i = 0; i < outputs; i++) {
    const pipe = child.stdio[3 + i] as NodeJS.ReadableStream | null;
    pipe?.on('data', (chunk: Buffer) => opts.onOutput?.(i, chunk));
    pipe?.on('error', () => undefined); // the exit handler reports a dead ffmpeg
  }
  const maxBacklog = opts.maxBacklogBytes ?? 64 * 2 ** 20;
  const tail: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    tail.push(...text.split('\n').filter((l) => l.trim() !== ''));
    if (tail.length > STDERR_TAIL_LINES) tail.splice(0, tail.length - STDERR_TAIL_LINES);
  });
  const parse = createProgressParser((p) => opts.onProgress?.(p));
  child.stdout.on('data', parse);
  child.stdin.on('error', () => undefined); // EPIPE after ffmpeg died: the exit handler reports it
  const exited = new Promise<JobExit>((resolve) => {
    child.on('error', (e) => {
      tail.push(`spawn failed: ${e.message}`);
      resolve({ code: null, signal: null, stderrTail: tail.join('\n') });
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderrTail: tail.join('\n') }));
  });
  let alive = true;
  void exited.then(() => (alive = false));
  return {
    pid: child.pid,
    exited,
    write(chunk) {
      if (!alive || !child.stdin.writable) return;
      child.stdin.write(chunk);
      if (child.stdin.writableLength > maxBacklog) {
        tail.push(`stdin backlog over ${Math.round(maxBacklog / 2 ** 20)} MiB: ffmpeg cannot keep up with the publisher`);
        child.stdin.destroy();
        child.kill('SIGKILL');
      }
    },
    finish() {
      if (child.stdin.writable) child.stdin.end();
    },
    async stop(graceMs = 3000) {
      if (alive && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => alive && child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/** Runs one ffmpeg to completion by PID (stopped when `signal` aborts); rejects with its exit and stderr tail. */
export async function runFfmpeg(opts: { ffmpegPath: string; args: readonly string[]; log: Logger; signal?: AbortSignal; onSeconds?: (s: number) => void }): Promise<void> {
  const { signal } = opts;
  const proc = startTranscodeJob({ ffmpegPath: opts.ffmpegPath, args: opts.args, log: opts.log, onProgress: (p) => opts.onSeconds?.(p.outTimeSeconds) });
  proc.finish();
  const abort = (): void => void proc.stop();
  signal?.addEventListener('abort', abort, { once: true });
  const exit = await proc.exited;
  signal?.removeEventListener('abort', abort);
  if (signal?.aborted) throw new Error('stopped');
  if (exit.code !== 0) throw new Error(`ffmpeg failed (${exit.signal ?? `exit ${exit.code}`}): ${exit.stderrTail.split('\n').slice(-3).join(' | ').slice(0, 400)}`);
}
