import crypto from 'node:crypto';
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAdmin } from '../../server/admin/admin-auth.ts';

const TOKEN = 'Zx9vQ2mK7pL0aB3cD4eF5gH6';

test('the right bearer token is accepted', () => {
  assert.equal(isAdmin(`Bearer ${TOKEN}`, TOKEN), true);
});

test('a wrong token is refused', () => {
  assert.equal(isAdmin('Bearer wrong-token', TOKEN), false);
  assert.equal(isAdmin(`Bearer ${TOKEN.slice(0, -1)}X`, TOKEN), false);
});

test('a prefix or an extension of the token is refused', () => {
  assert.equal(isAdmin(`Bearer ${TOKEN}x`, TOKEN), false);
  assert.equal(isAdmin(`Bearer ${TOKEN} `, TOKEN), false);
  assert.equal(isAdmin(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN), false);
  assert.equal(isAdmin(`Bearer ${TOKEN}\n`, TOKEN), false);
});

test('a missing header or another scheme is refused', () => {
  assert.equal(isAdmin(undefined, TOKEN), false);
  assert.equal(isAdmin('', TOKEN), false);
  assert.equal(isAdmin('Basic x', TOKEN), false);
  assert.equal(isAdmin(`Basic ${TOKEN}`, TOKEN), false);
  assert.equal(isAdmin(TOKEN, TOKEN), false, 'the bare token without a scheme');
  assert.equal(isAdmin(`Token ${TOKEN}`, TOKEN), false);
});

test('Bearer with an empty token is refused, even against an empty configured token', () => {
  assert.equal(isAdmin('Bearer', TOKEN), false);
  assert.equal(isAdmin('Bearer ', TOKEN), false);
  assert.equal(isAdmin('Bearer ', ''), false);
  assert.equal(isAdmin(undefined, ''), false);
  assert.equal(isAdmin('', ''), false);
});

test('the scheme name is case-insensitive (RFC 7235)', () => {
  assert.equal(isAdmin(`bearer ${TOKEN}`, TOKEN), true);
  assert.equal(isAdmin(`BEARER ${TOKEN}`, TOKEN), true);
});

test('every comparison is constant-time: timingSafeEqual on two SHA-256 digests, whatever the lengths', () => {
  const spy = mock.method(crypto, 'timingSafeEqual');
  try {
    const given = ['', 'x', TOKEN.slice(0, -1), TOKEN, `${TOKEN}x`, 'y'.repeat(10_000)];
    for (const g of given) assert.equal(isAdmin(`Bearer ${g}`, TOKEN), g === TOKEN);
    assert.equal(isAdmin(undefined, TOKEN), false);
    assert.equal(spy.mock.callCount(), given.length + 1, 'compared even when the header is missing');
    for (const call of spy.mock.calls) {
      const [a, b] = call.arguments as [Buffer, Buffer];
      assert.equal(a.length, 32);
      assert.equal(b.length, 32);
    }
  } finally {
    spy.mock.restore();
  }
});
