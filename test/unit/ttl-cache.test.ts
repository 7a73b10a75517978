import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTtlCache } from '../../server/origin/ttl-cache.ts';

test('answers from memory within the TTL and asks again after it', () => {
  let now = 0;
  let loads = 0;
  const price = new Map([['a', 100]]);
  const cached = createTtlCache((k) => (loads++, price.get(k)), 1000, () => now);
  assert.equal(cached('a'), 100);
  price.set('a', 0);
  now = 999;
  assert.equal(cached('a'), 100, 'still remembered');
  now = 1000;
  assert.equal(cached('a'), 0, 'a change is seen once the TTL has passed');
  assert.equal(loads, 2);
});
