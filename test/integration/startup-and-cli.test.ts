import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runTs } from '../helpers/cli.ts';

describe('start-up and the operator CLI', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-cli-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('a bad configuration stops start-up with every bad variable named', async () => {
    const res = await runTs('server/main.ts', [], { DATA_DIR: dataDir, HTTP_PORT: 'eighty', LADDER: '720p', SEGMENT_SECONDS: '99' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /HTTP_PORT="eighty" is invalid: expected a TCP port/);
    assert.match(res.stderr, /LADDER="720p" is invalid/);
    assert.match(res.stderr, /SEGMENT_SECONDS="99" is invalid: expected a whole number 1\.\.10/);
    assert.ok(!fs.existsSync(path.join(dataDir, 'boxoffice.db')), 'nothing was created');
  });

  test('channel create prints the OBS settings; channel list shows it; bad input changes nothing', async () => {
    const env = { DATA_DIR: dataDir, PUBLIC_URL: 'https://watch.example.com', RTMP_PORTS: '1935' };
    const created = await runTs('server/cli/main.ts', ['channel', 'create', 'gigs', '--title', 'Live gigs', '--price', '4.99'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /OBS Server:\s+rtmp:\/\/watch\.example\.com\/cfx\/st/);
    const key = /OBS Stream key: (sk_\S+)/.exec(created.stdout)?.[1];
    assert.ok(key);

    const dup = await runTs('server/cli/main.ts', ['channel', 'create', 'gigs'], env);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const badPrice = await runTs('server/cli/main.ts', ['channel', 'create', 'other', '--price', 'cheap'], env);
    assert.equal(badPrice.code, 1);
    assert.match(badPrice.stderr, /price "cheap"/);

    const list = await runTs('server/cli/main.ts', ['channel', 'list'], env);
    assert.equal(list.code, 0);
    const lines = list.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`^gigs\\s+4\\.99 USD\\s+${key}\\s+Live gigs$`));
  });
});

describe('prices', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-price-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('channel price changes a price from the CLI; unknown channels and bad prices change nothing', async () => {
    const env = { DATA_DIR: dataDir };
    assert.equal((await runTs('server/cli/main.ts', ['channel', 'create', 'talk'], env)).code, 0);
    const set = await runTs('server/cli/main.ts', ['channel', 'price', 'talk', '2.50'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /"talk" now costs 2\.50 USD/);
    assert.equal((await runTs('server/cli/main.ts', ['channel', 'price', 'nope', '1'], env)).code, 1);
    assert.equal((await runTs('server/cli/main.ts', ['channel', 'price', 'talk', '-1'], env)).code, 1);
    assert.match((await runTs('server/cli/main.ts', ['channel', 'list'], env)).stdout, /^talk\s+2\.50 USD/m);
  });
});
