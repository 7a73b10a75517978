import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRefusalLimiter, describeWindow, OTHER_ADDRESSES, REFUSAL_LIMITS, type RefusalLimits } from '../../server/ingest/refusal-limiter.ts';

const LIMITS: RefusalLimits = { windowMs: 10_000, blockAfter: 3, fullLines: 2, maxAddresses: 3 };
const A = '192.0.2.1';
const B = '192.0.2.2';

describe('refusal limiter (fake clock)', () => {
  test('the defaults: 10 unknown keys within 10 s, three full lines per window', () => {
    assert.deepEqual(REFUSAL_LIMITS, { windowMs: 10_000, blockAfter: 10, fullLines: 3, maxAddresses: 10_000 });
  });

  test('after blockAfter key refusals an address is closed before the handshake until its window ends, then admitted again', () => {
    const l = createRefusalLimiter(LIMITS);
    for (let t = 0; t < 3; t++) {
      assert.equal(l.admits(A, t * 100), true);
      l.record(A, 'key', 'unknown stream key', t * 100);
    }
    assert.equal(l.admits(A, 500), false);
    assert.equal(l.admits(A, 9_999), false, 'the window runs from the first refusal');
    assert.equal(l.admits(B, 500), true, 'other addresses are not affected');
    assert.equal(l.admits(A, 10_000), true, 'a new window');
  });

  test('only key refusals block; other kinds are only counted', () => {
    const l = createRefusalLimiter(LIMITS);
    for (let i = 0; i < 20; i++) l.record(A, 'handshake', 'handshake timeout', i);
    for (let i = 0; i < 20; i++) l.record(A, 'protocol', 'bad chunk size', i);
    assert.equal(l.admits(A, 100), true);
  });

  test('each distinct reason is logged in full once per window, at most fullLines of them; repeats are quiet', () => {
    const l = createRefusalLimiter(LIMITS);
    assert.equal(l.record(A, 'key', 'unknown stream key', 0), true);
    assert.equal(l.record(A, 'key', 'unknown stream key', 1), false);
    assert.equal(l.record(A, 'key', 'unknown app "x"', 2), true);
    assert.equal(l.record(A, 'key', 'unknown app "y"', 3), false, 'past fullLines distinct reasons');
    assert.equal(l.record(A, 'other', 'idle timeout', 4), true, 'kinds have their own windows');
    assert.equal(l.record(B, 'key', 'unknown stream key', 5), true, 'addresses have their own windows');
    assert.equal(l.record(A, 'key', 'unknown stream key', 10_000), true, 'logged again in the next window');
  });

  test('drain returns ended windows with something unsaid, once', () => {
    const l = createRefusalLimiter(LIMITS);
    for (let i = 0; i < 5; i++) l.record(A, 'key', 'unknown stream key', i);
    l.admits(A, 10);
    l.admits(A, 11);
    l.record(B, 'handshake', 'handshake timeout', 0); // logged in full: nothing to summarise
    assert.deepEqual(l.drain(9_999), []);
    assert.deepEqual(l.drain(10_000), [{ address: A, kind: 'key', startedAt: 0, refused: 5, blocked: 2, quiet: 4 }]);
    assert.deepEqual(l.drain(20_000), [], 'forgotten after draining');
  });

  test('a window ended by a new refusal is still summarised', () => {
    const l = createRefusalLimiter(LIMITS);
    l.record(A, 'protocol', 'x', 0);
    l.record(A, 'protocol', 'x', 1);
    l.record(A, 'protocol', 'x', 12_000);
    const [first, ...rest] = l.drain(12_001);
    assert.deepEqual(first, { address: A, kind: 'protocol', startedAt: 0, refused: 2, blocked: 0, quiet: 1 });
    assert.deepEqual(rest, []);
  });

  test('past maxAddresses, new addresses are counted together and never blocked', () => {
    const l = createRefusalLimiter(LIMITS);
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) l.record(a, 'key', 'unknown stream key', 0);
    for (let i = 0; i < 5; i++) l.record('10.0.0.9', 'key', 'unknown stream key', i);
    assert.equal(l.admits('10.0.0.9', 10), true);
    l.record('10.0.0.1', 'key', 'unknown stream key', 1);
    const other = l.drain(10_000).find((w) => w.address === OTHER_ADDRESSES);
    assert.equal(other?.refused, 5);
  });

  test('the summary line names the count, the kind, the blocked connections, the address and the window', () => {
    const line = describeWindow({ address: '127.0.0.1', kind: 'key', startedAt: 0, refused: 10, blocked: 133, quiet: 9 }, 10_000);
    assert.equal(line, 'rtmp: refused 143 publishes with unknown stream keys (133 closed before the handshake) from 127.0.0.1 in the last 10 s');
    assert.equal(
      describeWindow({ address: '127.0.0.1', kind: 'handshake', startedAt: 0, refused: 500, blocked: 0, quiet: 499 }, 10_000),
      'rtmp: refused 500 connections that did not finish the handshake in time from 127.0.0.1 in the last 10 s',
    );
  });
});
