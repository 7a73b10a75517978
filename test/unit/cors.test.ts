import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCorsPolicy } from '../../server/origin/cors.ts';

const SITE = 'https://shop.example.com';
const policy = createCorsPolicy('https://cdn.example.com', [SITE]);

test('public (free) resources are readable by any site, never with cookies', () => {
  for (const origin of [undefined, SITE, 'https://evil.example']) {
    assert.deepEqual(policy.headers(origin, true), { 'access-control-allow-origin': '*' });
  }
});

test('private resources: the allowed site gets its own origin back, with cookies and Vary: Origin', () => {
  assert.deepEqual(policy.headers(SITE, false), { 'access-control-allow-origin': SITE, 'access-control-allow-credentials': 'true', vary: 'Origin' });
  assert.equal(policy.headers('https://cdn.example.com', false)['access-control-allow-origin'], 'https://cdn.example.com', "PUBLIC_URL's origin is always allowed");
});

test('private resources: other sites, look-alikes and no Origin get no CORS grant, only Vary: Origin', () => {
  for (const origin of [undefined, 'https://evil.example', 'https://shop.example.com.evil.example', 'http://shop.example.com', 'https://shop.example.com:8443', 'null', '*', SITE.toUpperCase()]) {
    assert.deepEqual(policy.headers(origin, false), { vary: 'Origin' }, String(origin));
    assert.equal(policy.allows(origin), false, String(origin));
  }
});

test('CORS_ORIGINS=* opens private resources to any site, without cookies', () => {
  const open = createCorsPolicy('http://localhost', ['*']);
  assert.deepEqual(open.headers('https://anyone.example', false), { 'access-control-allow-origin': '*' });
  assert.equal(open.allows('https://anyone.example'), true);
  assert.equal(open.allows(undefined), false);
});
