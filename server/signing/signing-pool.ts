import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SigningKeys } from './keys.ts';
import type { FolderGrant, GrantOptions, HashAlgorithm } from './signer.ts';
import type { SignRequest, SignResult, SignWorkerData } from './sign-worker.ts';

/** Issues folder grants (one RSA signature each) without blocking the caller's thread. */
export interface FolderSigner {
  signFolder(folder: string, file: string, opts: GrantOptions): Promise<FolderGrant>;
}

/** Folder grants signed on worker threads: RSA signing uses the other cores and never stalls live serving. */
export interface SigningPool extends FolderSigner {
  /** Stops every thread; grants still being signed are refused. */
  close(): Promise<void>;
}

/** One thread per core beyond the event loop's, at least one and at most four. */
export function defaultSigningThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

interface Pending {
  readonly resolve: (grant: FolderGrant) => void;
  readonly reject: (e: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

const WORKER = new URL('./sign-worker.ts', import.meta.url).href;

/** How long a slot waits before a crashed thread is replaced (a thread that cannot start must not spin). */
const RESPAWN_MS = 1000;

/** Starts a worker: a data: module that registers tsx (workers do not inherit `--import`) and loads the .ts entry. */
function startWorker(entry: string, data: SignWorkerData): Worker {
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: data });
}

/** Where grants point, how they are signed, and the pool's size. */
export interface SigningPoolOptions {
  readonly publicUrl: string;
  readonly hashAlgorithm: HashAlgorithm;
  /** Default: defaultSigningThreads(). */
  readonly threads?: number;
  /** Told when a thread dies (it is replaced a second later). */
  readonly onThreadExit?: (message: string) => void;
  /** The thread's module (tests swap it). */
  readonly entry?: string;
}

/**
 * Starts the signing threads over the key (the KeyObject is cloned to each thread once, at its start). A
 * thread that dies fails the grants it held and is replaced a second later.
 */
export function createSigningPool(keys: Pick<SigningKeys, 'keyPairId' | 'privateKey'>, opts: SigningPoolOptions): SigningPool {
  const { publicUrl, hashAlgorithm, threads = defaultSigningThreads(), entry = WORKER } = opts;
  const data: SignWorkerData = { keyPairId: keys.keyPairId, privateKey: keys.privateKey, publicUrl, hashAlgorithm };
  const pool: Array<Thread | undefined> = [];
  let nextId = 0;
  let closed = false;

  const spawn = (slot: number): void => {
    const thread: Thread = { worker: startWorker(entry, data), pending: new Map() };
    const fail = (e: Error): void => {
      for (const p of thread.pending.values()) p.reject(e);
      thread.pending.clear();
    };
    thread.worker.on('message', (m: SignResult) => {
      const p = thread.pending.get(m.id);
      thread.pending.delete(m.id);
      if ('grant' in m) p?.resolve(m.grant);
      else p?.reject(new Error(m.error));
    });
    thread.worker.on('error', (e) => fail(new Error(`signing thread failed: ${e.message}`)));
    thread.worker.on('exit', (code) => {
      fail(new Error(`signing thread exited (${code})`));
      if (pool[slot] !== thread) return;
      pool[slot] = undefined;
      if (closed) return;
      opts.onThreadExit?.(`signing thread exited (${code}); a new one starts in ${RESPAWN_MS / 1000} s`);
      setTimeout(() => !closed && spawn(slot), RESPAWN_MS).unref();
    });
    pool[slot] = thread;
  };
  for (let i = 0; i < threads; i++) spawn(i);

  return {
    signFolder(folder, file, opts) {
      if (closed) return Promise.reject(new Error('the signing pool is closed'));
      const running = pool.filter((t): t is Thread => t !== undefined);
      if (running.length === 0) return Promise.reject(new Error('no signing thread is running (one is being restarted)'));
      const thread = running.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise<FolderGrant>((resolve, reject) => {
        thread.pending.set(id, { resolve, reject });
        thread.worker.postMessage({ id, folder, file, opts } satisfies SignRequest);
      });
    },
    async close() {
      closed = true;
      await Promise.all(pool.map((t) => t?.worker.terminate()));
    },
  };
}
