import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSigner, grantSetCookies } from '../../server/signing/signer.ts';
import { createVerifier, parseCookies } from '../../server/signing/verifier.ts';
import { testKeys } from '../helpers/app.ts';

const keys = testKeys();
const expiresAt = new Date('2030-01-02T03:04:05Z');

test('signed cookies are scoped to the item folder, HttpOnly, Secure on https, and expire with the grant', () => {
  const grant = createSigner(keys, 'https://cdn.example.com').signFolder('/live/paid', 'q/master.m3u8', { expiresAt });
  const headers = grantSetCookies(grant);
  assert.deepEqual(headers.map((h) => h.split('=')[0]).sort(), ['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
  for (const h of headers) {
    assert.match(h, /; Path=\/live\/paid\/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Lax; Secure$/);
  }
  // what a browser sends back opens the folder
  const cookieHeader = headers.map((h) => h.split(';')[0]).join('; ');
  const verdict = createVerifier(keys.publicKeys, { now: () => Date.parse('2029-12-31T00:00:00Z') }).verifyRequest({
    url: 'https://cdn.example.com/live/paid/r1/720p/3.ts',
    cookies: parseCookies(cookieHeader),
    clientIp: '203.0.113.7',
  });
  assert.deepEqual(verdict, { ok: true });
});

test('no Secure attribute when PUBLIC_URL is plain http', () => {
  const grant = createSigner(keys, 'http://localhost:8080').signFolder('/live/paid', 'q/master.m3u8', { expiresAt });
  for (const h of grantSetCookies(grant)) assert.doesNotMatch(h, /Secure/);
});
