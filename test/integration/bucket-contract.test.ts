import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { BadKeyError } from '../../server/storage/bucket.ts';
import type { Bucket } from '../../server/storage/bucket.ts';
import { createLocalBucket } from '../../server/storage/local-bucket.ts';
import { createS3Bucket } from '../../server/storage/s3-bucket.ts';
import { startS3Server } from '../helpers/s3-server.ts';
import type { S3Server } from '../helpers/s3-server.ts';

/** One bucket under test, and what the contract may check about it beyond the interface. */
interface BucketFixture {
  readonly bucket: Bucket;
  readonly description: RegExp;
  /** For a local bucket: its folder, so the contract can look for temp files and stray writes. */
  readonly root?: string;
  /** For a local bucket: files that appeared next to (outside) the root. */
  filesOutside?(): string[];
  close(): Promise<void>;
}

const BAD_KEYS = ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/./b', 'a\\b', 'a\u0000b', ''];

/** What an implementation's test double cannot show; each names why, and its case is reported as skipped. */
interface ContractLimits {
  readonly partialReads?: string;
}

/** Registers the tests every Bucket implementation must pass. */
function bucketContract(name: string, makeBucket: () => Promise<BucketFixture>, limits: ContractLimits = {}): void {
  describe(name, () => {
    let fx: BucketFixture;
    let bucket: Bucket;
    let scratch: string;
    before(async () => {
      fx = await makeBucket();
      bucket = fx.bucket;
      scratch = mkdtempSync(path.join(os.tmpdir(), 'boxoffice-scratch-'));
    });
    after(async () => {
      await fx.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    test('describes where objects live', () => {
      assert.match(bucket.description, fx.description);
    });

    test('put then get returns the same bytes, binary included', async () => {
      const small = Buffer.from([0, 1, 2, 255, 254, 0x0a, 0x0d, 0]);
      const big = randomBytes(1024 * 1024);
      await bucket.put('rt/small.bin', small, 'application/octet-stream');
      await bucket.put('rt/deep/er/big.bin', big);
      assert.deepEqual(await bucket.get('rt/small.bin'), small);
      const got = await bucket.get('rt/deep/er/big.bin');
      assert.ok(got && got.equals(big), 'the 1 MiB random object comes back byte for byte');
      await bucket.put('rt/empty.txt', Buffer.alloc(0), 'text/plain');
      assert.deepEqual(await bucket.get('rt/empty.txt'), Buffer.alloc(0));
    });

    test('put accepts a Readable', async () => {
      const parts = [randomBytes(1000), randomBytes(70_000), Buffer.from('tail')];
      await bucket.put('stream/seg.ts', Readable.from(parts), 'video/mp2t');
      assert.deepEqual(await bucket.get('stream/seg.ts'), Buffer.concat(parts));
    });

    test('head gives size and an etag; absent keys give undefined', async () => {
      await bucket.put('head/clip.mp4', Buffer.from('twelve bytes'));
      const info = await bucket.head('head/clip.mp4');
      assert.ok(info);
      assert.equal(info.size, 12);
      assert.ok(info.etag.length > 0, 'non-empty etag');
      assert.equal(await bucket.head('head/absent.mp4'), undefined);
      assert.equal(await bucket.head('no-such-folder/absent.mp4'), undefined);
      assert.equal(await bucket.head('head/clip.mp4/below-a-file'), undefined);
      assert.equal(await bucket.head('head'), undefined, 'a folder is not an object');
    });

    test('get of an absent key is undefined', async () => {
      assert.equal(await bucket.get('absent/nothing.ts'), undefined);
      await bucket.put('absent/file.ts', Buffer.from('x'));
      assert.equal(await bucket.get('absent/file.ts/below'), undefined);
      assert.equal(await bucket.get('absent'), undefined, 'a folder is not an object');
    });

    test('overwrite replaces the object', async () => {
      await bucket.put('over/a.m3u8', Buffer.from('first version, longer'));
      await bucket.put('over/a.m3u8', Buffer.from('second'));
      assert.deepEqual(await bucket.get('over/a.m3u8'), Buffer.from('second'));
      assert.equal((await bucket.head('over/a.m3u8'))?.size, 6);
      assert.deepEqual(await bucket.list('over'), ['over/a.m3u8'], 'no leftovers from the first write');
    });

    test('list returns sorted keys under a prefix, nested folders included, and nothing of a sibling prefix', async () => {
      for (const key of ['vod/a/sub/deeper/3.ts', 'vod/ab/x.ts', 'vod/a/1.ts', 'vod/a.txt', 'vod/a/sub/2.ts', 'vod/a/0.m3u8']) {
        await bucket.put(key, Buffer.from(key));
      }
      const expected = ['vod/a/0.m3u8', 'vod/a/1.ts', 'vod/a/sub/2.ts', 'vod/a/sub/deeper/3.ts'];
      assert.deepEqual(await bucket.list('vod/a'), expected);
      assert.deepEqual(await bucket.list('vod/a/'), expected);
      assert.deepEqual(await bucket.list('vod/ab'), ['vod/ab/x.ts']);
      assert.deepEqual(await bucket.list('vod'), ['vod/a.txt', ...expected, 'vod/ab/x.ts']);
      assert.deepEqual(await bucket.list('vod/unknown'), []);
      assert.deepEqual(await bucket.list('nowhere/at/all/'), []);
      assert.deepEqual(await bucket.list('vod/a/1.ts'), [], 'an object is not a folder');
      const all = await bucket.list('');
      assert.ok(expected.every((k) => all.includes(k)), 'the empty prefix lists the whole bucket');
      assert.deepEqual(all, [...all].sort());
    });

    test('delete removes; deleting an absent key is fine', async () => {
      await bucket.put('del/x.ts', Buffer.from('x'));
      await bucket.put('del/y.ts', Buffer.from('y'));
      await bucket.delete('del/x.ts');
      assert.equal(await bucket.get('del/x.ts'), undefined);
      assert.equal(await bucket.head('del/x.ts'), undefined);
      assert.deepEqual(await bucket.list('del'), ['del/y.ts']);
      await bucket.delete('del/x.ts');
      await bucket.delete('never/existed.ts');
      assert.deepEqual(await bucket.get('del/y.ts'), Buffer.from('y'));
    });

    test('download writes the exact bytes to a local file; an absent key rejects naming the key', async () => {
      const data = randomBytes(300_000);
      await bucket.put('dl/source.mp4', data);
      const file = path.join(scratch, 'source.mp4');
      await bucket.download('dl/source.mp4', file);
      assert.ok(readFileSync(file).equals(data));
      const missing = path.join(scratch, 'missing.mp4');
      await assert.rejects(bucket.download('dl/missing.mp4', missing), /dl\/missing\.mp4/);
      assert.equal(existsSync(missing), false);
    });

    test('moveIn stores the exact bytes of a scratch file, replacing an existing object, and takes the file away', async () => {
      const data = randomBytes(200_000);
      const file = path.join(scratch, 'moved.ts');
      writeFileSync(file, data);
      await bucket.put('mv/deep/0.ts', Buffer.from('older object'));
      await bucket.moveIn('mv/deep/0.ts', file, 'video/mp2t');
      assert.ok((await bucket.get('mv/deep/0.ts'))?.equals(data));
      assert.equal((await bucket.head('mv/deep/0.ts'))?.size, data.length);
      assert.equal(existsSync(file), false, 'the scratch file is gone');
      assert.deepEqual(await bucket.list('mv'), ['mv/deep/0.ts']);
    });

    test('traversal and malformed keys are refused by every method, and nothing is written', async () => {
      const before = await bucket.list('');
      for (const key of BAD_KEYS) {
        const label = JSON.stringify(key);
        await assert.rejects(bucket.get(key), BadKeyError, `get ${label}`);
        await assert.rejects(bucket.head(key), BadKeyError, `head ${label}`);
        await assert.rejects(bucket.put(key, Buffer.from('evil')), BadKeyError, `put ${label}`);
        await assert.rejects(bucket.put(key, Readable.from([Buffer.from('evil')])), BadKeyError, `put stream ${label}`);
        await assert.rejects(bucket.download(key, path.join(scratch, 'evil')), BadKeyError, `download ${label}`);
        await assert.rejects(bucket.delete(key), BadKeyError, `delete ${label}`);
        writeFileSync(path.join(scratch, 'kept'), 'scratch');
        await assert.rejects(bucket.moveIn(key, path.join(scratch, 'kept')), BadKeyError, `moveIn ${label}`);
        assert.equal(readFileSync(path.join(scratch, 'kept'), 'utf8'), 'scratch', `moveIn ${label} left the file alone`);
        if (key !== '') await assert.rejects(bucket.list(key), BadKeyError, `list ${label}`);
      }
      await assert.rejects(bucket.list('/'), BadKeyError, 'list "/"');
      assert.deepEqual(await bucket.list(''), before, 'no object appeared');
      assert.equal(existsSync(path.join(scratch, 'evil')), false, 'no download target appeared');
      if (fx.filesOutside) assert.deepEqual(fx.filesOutside(), [], 'no file appeared outside the root');
    });

    test('a reader never observes a partial object', { skip: limits.partialReads ?? false }, async () => {
      const data = randomBytes(5 * 1024 * 1024);
      const chunk = 128 * 1024;
      async function* slowly(): AsyncGenerator<Buffer> {
        for (let i = 0; i < data.length; i += chunk) {
          await sleep(3);
          yield data.subarray(i, i + chunk);
        }
      }
      let done = false;
      const writing = bucket.put('atomic/big.ts', Readable.from(slowly())).finally(() => {
        done = true;
      });
      let polls = 0;
      let sawTemp = false;
      while (!done) {
        const seen = await bucket.get('atomic/big.ts');
        const listed = await bucket.list('atomic');
        if (seen !== undefined) {
          assert.ok(seen.equals(data), `poll ${polls}: got ${seen.length} of ${data.length} bytes`);
          break; // the rename landed before the write's promise settled
        }
        assert.ok(listed.length === 0 || (listed.length === 1 && listed[0] === 'atomic/big.ts'), `poll ${polls}: listed ${listed.join()}`);
        if (fx.root && existsSync(path.join(fx.root, 'atomic'))) sawTemp ||= readdirSync(path.join(fx.root, 'atomic')).some((n) => n.includes('.tmp-'));
        polls++;
        await sleep(5);
      }
      await writing;
      assert.ok(polls >= 3, `polled during the write (${polls} times)`);
      if (fx.root) assert.ok(sawTemp, 'the write went through a temp file');
      const got = await bucket.get('atomic/big.ts');
      assert.ok(got?.equals(data), 'afterwards the full bytes');
      assert.deepEqual(await bucket.list('atomic'), ['atomic/big.ts']);
    });
  });
}

/** A local bucket in a fresh temp folder; `root` sits one level down so stray writes next to it can be seen. */
async function makeLocalBucket(): Promise<BucketFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'boxoffice-bucket-'));
  const root = path.join(dir, 'root');
  mkdirSync(root);
  return {
    bucket: createLocalBucket(root),
    description: new RegExp(`^folder ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
    root,
    filesOutside: () => readdirSync(dir).filter((n) => n !== 'root'),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An S3 bucket served by s3rver. */
async function makeS3Bucket(): Promise<BucketFixture> {
  const server = await startS3Server('contract');
  return { bucket: createS3Bucket({ bucket: 'contract', client: server.client }), description: /^s3:\/\/contract$/, close: () => server.close() };
}

bucketContract('local bucket', makeLocalBucket);
bucketContract('S3 bucket (s3rver)', makeS3Bucket, {
  // S3 itself never shows a partial object; s3rver streams the request body straight into the object's file.
  partialReads: 's3rver (unlike S3) writes uploads in place, so a concurrent GET can see a partial object',
});

/** Whether two paths are on one file system (true when either is missing: nothing to cross). */
function sameDevice(a: string, b: string): boolean {
  try {
    return statSync(a).dev === statSync(b).dev;
  } catch {
    return true;
  }
}

describe('local bucket only', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'boxoffice-bucket-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a symlink inside root that leads outside root is refused', async () => {
    const root = path.join(dir, 'root');
    const outside = path.join(dir, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, path.join(root, 'evil'));
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    mkdirSync(path.join(root, 'real'));
    writeFileSync(path.join(root, 'real', 'ok.txt'), 'ok');
    symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    const bucket = createLocalBucket(root);

    for (const key of ['evil/secret.txt', 'evil/new.txt', 'evil/sub/new.txt', 'link.txt']) {
      await assert.rejects(bucket.get(key), BadKeyError, `get ${key}`);
      await assert.rejects(bucket.head(key), BadKeyError, `head ${key}`);
      await assert.rejects(bucket.put(key, Buffer.from('x')), BadKeyError, `put ${key}`);
      await assert.rejects(bucket.download(key, path.join(dir, 'copy')), BadKeyError, `download ${key}`);
      await assert.rejects(bucket.delete(key), BadKeyError, `delete ${key}`);
    }
    await assert.rejects(bucket.list('evil'), BadKeyError, 'list evil');
    assert.deepEqual(readdirSync(outside), ['secret.txt'], 'nothing written outside');
    assert.equal(readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret');
    assert.equal(existsSync(path.join(dir, 'copy')), false);
    assert.deepEqual(await bucket.get('alias/ok.txt'), Buffer.from('ok'), 'a symlink that stays inside root is fine');
    assert.deepEqual(await bucket.list(''), ['real/ok.txt'], 'list does not follow symlinks');
  });

  test('a root that does not exist yet reads as empty and is created by the first put', async () => {
    const root = path.join(dir, 'later', 'media');
    const bucket = createLocalBucket(root);
    assert.equal(await bucket.get('a/b.ts'), undefined);
    assert.equal(await bucket.head('a/b.ts'), undefined);
    assert.deepEqual(await bucket.list(''), []);
    assert.deepEqual(await bucket.list('a'), []);
    await bucket.delete('a/b.ts');
    await bucket.put('a/b.ts', Buffer.from('b'));
    assert.deepEqual(await bucket.list(''), ['a/b.ts']);
  });

  test('moveIn from another file system copies through a temp file and removes the scratch file', { skip: sameDevice('/dev/shm', os.tmpdir()) && 'no second file system at /dev/shm' }, async () => {
    const root = path.join(dir, 'cross');
    const bucket = createLocalBucket(root);
    const scratch = mkdtempSync(path.join('/dev/shm', 'boxoffice-scratch-'));
    try {
      const data = randomBytes(100_000);
      writeFileSync(path.join(scratch, 'seg.ts'), data);
      await bucket.moveIn('v/1/seg.ts', path.join(scratch, 'seg.ts'));
      assert.ok((await bucket.get('v/1/seg.ts'))?.equals(data));
      assert.deepEqual(readdirSync(scratch), [], 'the scratch file is gone');
      assert.deepEqual(readdirSync(path.join(root, 'v', '1')), ['seg.ts'], 'no temp file left');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('a failed put leaves neither the object nor a temp file', async () => {
    const root = path.join(dir, 'failing');
    const bucket = createLocalBucket(root);
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('source went away');
    }
    await assert.rejects(bucket.put('x/y.ts', Readable.from(broken())), /source went away/);
    assert.deepEqual(readdirSync(path.join(root, 'x')), []);
    assert.equal(await bucket.get('x/y.ts'), undefined);
  });
});

describe('S3 bucket only', () => {
  let server: S3Server;
  before(async () => {
    server = await startS3Server('paged');
  });
  after(() => server.close());

  test('list follows continuation tokens across pages (a fake client: s3rver cannot paginate on Node >= 17)', async () => {
    const pages = [
      { Contents: [{ Key: 'p/e.ts' }, { Key: 'p/a.ts' }], IsTruncated: true, NextContinuationToken: 't1' },
      { Contents: [{ Key: 'p/d/x.ts' }], IsTruncated: true, NextContinuationToken: 't2' },
      { Contents: [{ Key: 'p/c.ts' }, { Key: 'p/b.ts' }], IsTruncated: false },
    ];
    const inputs: unknown[] = [];
    const client = {
      send: async (command: unknown) => {
        assert.ok(command instanceof ListObjectsV2Command);
        inputs.push(command.input);
        return pages[inputs.length - 1];
      },
    } as unknown as S3Client;
    const bucket = createS3Bucket({ bucket: 'fake', client });
    assert.deepEqual(await bucket.list('p'), ['p/a.ts', 'p/b.ts', 'p/c.ts', 'p/d/x.ts', 'p/e.ts']);
    assert.deepEqual(inputs, [
      { Bucket: 'fake', Prefix: 'p/' },
      { Bucket: 'fake', Prefix: 'p/', ContinuationToken: 't1' },
      { Bucket: 'fake', Prefix: 'p/', ContinuationToken: 't2' },
    ]);
  });

  test('a missing bucket is an error, not an absent object', async () => {
    const bucket = createS3Bucket({ bucket: 'no-such-bucket', client: server.client });
    await assert.rejects(bucket.get('a.ts'), (e: Error) => e.name === 'NoSuchBucket');
  });
});
