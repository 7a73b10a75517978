import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { type KeyObject } from 'node:crypto';
import { createSigner } from '../../server/signing/signer.ts';
import { createSigningPool } from '../../server/signing/signing-pool.ts';
import { createVerifier } from '../../server/signing/verifier.ts';
import { waitFor } from '../helpers/wait.ts';

const KEY_ID = 'KPOOLTEST00001';
const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = { keyPairId: KEY_ID, privateKey: pair.privateKey };
const verifier = createVerifier(new Map<string, KeyObject>([[KEY_ID, pair.publicKey]]));
const expiresAt = new Date(Date.now() + 3_600_000);

describe('signing pool', () => {
  const pool = createSigningPool(keys, { publicUrl: 'https://cdn.example.com', hashAlgorithm: 'SHA256', threads: 2 });
  after(() => pool.close());

  test('a grant signed on a thread is the grant the signer makes in-process, byte for byte', async () => {
    const opts = { expiresAt, clientIp: '203.0.113.7' };
    const fromPool = await pool.signFolder('/live/paid', 'q/master.m3u8', opts);
    // RSA PKCS#1 v1.5 is deterministic: the same policy signs to the same bytes
    assert.deepEqual(fromPool, createSigner(keys, 'https://cdn.example.com', 'SHA256').signFolder('/live/paid', 'q/master.m3u8', opts));
    assert.ok(fromPool.expiresAt instanceof Date, 'dates survive the thread boundary');
    assert.deepEqual(verifier.verifyRequest({ url: fromPool.url, cookies: {}, clientIp: '203.0.113.7' }), { ok: true });
  });

  test('a burst of 200 grants for different folders each comes back signed for its own folder', async () => {
    const grants = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.signFolder(`/vod/v${i}`, 'q/master.m3u8', { expiresAt })));
    grants.forEach((g, i) => {
      assert.equal(g.resource, `https://cdn.example.com/vod/v${i}/*`);
      assert.deepEqual(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: '198.51.100.1' }), { ok: true }, `grant ${i}`);
    });
  });

  test('a grant that cannot be signed is refused with the reason, and the pool keeps signing', async () => {
    await assert.rejects(pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt: new Date(Number.NaN) }), /whole epoch seconds/);
    const g = await pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt });
    assert.deepEqual(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: '198.51.100.1' }), { ok: true });
  });
});

test('a closed pool refuses new grants instead of hanging', async () => {
  const pool = createSigningPool(keys, { publicUrl: 'https://cdn.example.com', hashAlgorithm: 'SHA1', threads: 1 });
  await pool.close();
  await assert.rejects(pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt }), /closed/);
});

test('grants waiting when the pool closes are refused, not left pending', async () => {
  const pool = createSigningPool(keys, { publicUrl: 'https://cdn.example.com', hashAlgorithm: 'SHA1', threads: 1 });
  const waiting = Array.from({ length: 50 }, () => pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt }));
  await pool.close();
  const outcomes = await Promise.allSettled(waiting);
  assert.ok(outcomes.some((o) => o.status === 'rejected'), 'some grants were still waiting at close');
  for (const o of outcomes) if (o.status === 'rejected') assert.match((o.reason as Error).message, /signing thread exited/);
});

test('a thread that dies fails the grant it held, refuses while it restarts, and is replaced', async () => {
  const told: string[] = [];
  const pool = createSigningPool(keys, {
    publicUrl: 'https://cdn.example.com',
    hashAlgorithm: 'SHA1',
    threads: 1,
    onThreadExit: (message) => told.push(message),
    entry: new URL('../fixtures/crashing-sign-worker.ts', import.meta.url).href,
  });
  try {
    await pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt });
    await assert.rejects(pool.signFolder('/crash', 'q/master.m3u8', { expiresAt }), /signing thread exited \(3\)/);
    await assert.rejects(pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt }), /no signing thread is running/);
    assert.deepEqual(told, ['signing thread exited (3); a new one starts in 1 s'], 'the operator is told once');
    const g = await waitFor('a new signing thread', () => pool.signFolder('/live/paid', 'q/master.m3u8', { expiresAt }).catch(() => undefined), 10_000, 100);
    assert.deepEqual(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: '198.51.100.1' }), { ok: true });
  } finally {
    await pool.close();
  }
});
