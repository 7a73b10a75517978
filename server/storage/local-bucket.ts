import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BadKeyError, checkKey } from './bucket.ts';
import type { Bucket, ObjectInfo } from './bucket.ts';

/** A bucket kept as files under `root`: the key's `/` segments are folders; writes go through a temp file and a rename. */
export function createLocalBucket(root: string): Bucket {
  const base = path.resolve(root);

  /** Checks the key, then maps it to a path that must stay inside root, also after following symlinks. */
  async function resolveKey(key: string): Promise<string> {
    checkKey(key);
    const file = path.resolve(base, ...key.split('/'));
    if (!file.startsWith(base + path.sep)) throw new BadKeyError(`key ${JSON.stringify(key)} leaves the bucket folder`);
    await refuseSymlinkEscape(base, file, key);
    return file;
  }

  const bucket: Bucket = {
    description: `folder ${base}`,

    async get(key) {
      const file = await resolveKey(key);
      try {
        return await readFile(file);
      } catch (e) {
        if (isAbsent(e)) return undefined;
        throw e;
      }
    },

    async head(key) {
      return headFile(await resolveKey(key));
    },

    async put(key, body) {
      const file = await resolveKey(key);
      const dir = path.dirname(file);
      await mkdir(dir, { recursive: true });
      const temp = path.join(dir, `.${path.basename(file).slice(0, 200)}.tmp-${randomBytes(6).toString('hex')}`); // stays under NAME_MAX
      try {
        if (Buffer.isBuffer(body)) await writeFile(temp, body);
        else await pipeline(body, createWriteStream(temp));
        await rename(temp, file);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
    },

    async moveIn(key, file) {
      const target = await resolveKey(key);
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await rename(file, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        await bucket.put(key, createReadStream(file)); // another file system: copied through a temp file
        await rm(file, { force: true });
      }
    },

    async download(key, file) {
      const source = await resolveKey(key);
      if (!(await headFile(source))) throw new Error(`cannot download ${JSON.stringify(key)}: no such object in folder ${base}`);
      await copyFile(source, file);
    },

    async list(prefix) {
      const folderKey = prefix === '' ? undefined : prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
      const folder = folderKey === undefined ? base : await resolveKey(folderKey);
      const keys: string[] = [];
      await collectKeys(folder, folderKey === undefined ? '' : `${folderKey}/`, keys);
      return keys.sort();
    },

    async localPath(key) {
      const file = await resolveKey(key);
      return (await headFile(file)) ? file : undefined;
    },

    async delete(key) {
      const file = await resolveKey(key);
      try {
        await unlink(file);
      } catch (e) {
        if (!isAbsent(e)) throw e;
      }
    },
  };
  return bucket;
}

/** Size and an etag from inode, size and mtime (cheap, stable while the file is unchanged); undefined unless a file. */
async function headFile(file: string): Promise<ObjectInfo | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    if (!s.isFile()) return undefined;
    return { size: Number(s.size), etag: `"${s.ino.toString(16)}-${s.size.toString(16)}-${s.mtimeNs.toString(16)}"` };
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}

/** Throws BadKeyError when the nearest existing part of `file`'s path, symlinks followed, lies outside root. */
async function refuseSymlinkEscape(base: string, file: string, key: string): Promise<void> {
  const realBase = await realpathOrUndefined(base);
  if (realBase === undefined) return; // no root yet: nothing inside it can be a symlink
  for (let p = file; p.startsWith(base + path.sep); p = path.dirname(p)) {
    const real = await realpathOrUndefined(p);
    if (real === undefined) continue;
    if (real !== realBase && !real.startsWith(realBase + path.sep)) throw new BadKeyError(`key ${JSON.stringify(key)} passes through a symlink leading outside the bucket folder`);
    return;
  }
}

/** The real path, or undefined when the path (or a folder on it) does not exist. */
async function realpathOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}

/** Adds the keys of the regular files under `folder` (recursively, symlinks not followed, temp files skipped). */
async function collectKeys(folder: string, keyPrefix: string, keys: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (e) {
    if (isAbsent(e)) return;
    throw e;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await collectKeys(path.join(folder, entry.name), `${keyPrefix}${entry.name}/`, keys);
    else if (entry.isFile() && !isTempName(entry.name)) keys.push(keyPrefix + entry.name);
  }
}

/** Whether a file name is one of put's temp files. */
function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes('.tmp-');
}

/** Whether an fs error means "no object there" (missing, a file where a folder was expected, or a folder). */
function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
