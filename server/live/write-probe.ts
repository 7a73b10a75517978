import fs from 'node:fs/promises';
import path from 'node:path';

/** Why a folder refuses writes: the system error code (`ENOSPC`, `EDQUOT`, `EROFS`, `EIO`, …) and its message. */
export interface WriteProblem {
  readonly code: string;
  readonly message: string;
}

/** Checks whether a folder accepts writes, without leaving anything behind. */
export type WriteProbe = (dir: string, bytes: number) => Promise<WriteProblem | undefined>;

const PROBE_FILE = '.write-probe';

/** Writes and removes a file of `bytes` bytes in `dir` (created if missing); the problem when that fails. */
export const probeWritable: WriteProbe = async (dir, bytes) => {
  const file = path.join(dir, PROBE_FILE);
  try {
    await fs.writeFile(file, Buffer.alloc(bytes)).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(file, Buffer.alloc(bytes));
    });
    return undefined;
  } catch (e) {
    return toWriteProblem(e);
  } finally {
    await fs.rm(file, { force: true }).catch(() => undefined);
  }
};

/** The problem a failed file operation reports. */
export function toWriteProblem(e: unknown): WriteProblem {
  const err = e as NodeJS.ErrnoException;
  return { code: err.code ?? 'EIO', message: err.message ?? String(e) };
}
