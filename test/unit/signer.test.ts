import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { type KeyObject } from 'node:crypto';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { SigningKeys } from '../../server/signing/keys.ts';
import { buildCustomPolicy, cannedPolicy } from '../../server/signing/policy.ts';
import { createSigner, queryPairs, signatureQueryParams, SIGNING_PARAMS, type FolderGrant, type Signer } from '../../server/signing/signer.ts';
import { createVerifier, type Verdict } from '../../server/signing/verifier.ts';

const KEY_ID = 'KTESTKEY000001';
const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keys: SigningKeys = {
  keyPairId: KEY_ID,
  privateKey: pair.privateKey,
  publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  publicKeys: new Map<string, KeyObject>([[KEY_ID, pair.publicKey]]),
};

const NOW = 1_800_000_000_000;
/** A fractional second on purpose: the policy must floor it. */
const EXPIRES = new Date(NOW + 3_600_000 + 789);
const EXPIRES_S = Math.floor(EXPIRES.getTime() / 1000);
const VIEWER = '203.0.113.7';
const verifier = createVerifier(keys.publicKeys, { now: () => NOW });

/** CloudFront base64 → bytes, written out independently of the code under test. */
const cfDecode = (text: string): Buffer => Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

interface Policy {
  Statement: Array<{ Resource: string; Condition: Record<string, Record<string, unknown>> }>;
}

function param(url: string, name: string): string | undefined {
  return queryPairs(url).find(([k]) => k === name)?.[1];
}

function policyOf(url: string): { json: string; bytes: Buffer; doc: Policy } {
  const raw = param(url, 'Policy');
  assert.ok(raw, `no Policy in ${url}`);
  const bytes = cfDecode(raw);
  const json = bytes.toString('utf8');
  return { json, bytes, doc: JSON.parse(json) as Policy };
}

const cookieMap = (g: FolderGrant): Record<string, string> => Object.fromEntries(g.cookies.map((c) => [c.name, c.value]));
const ok = (v: Verdict): void => assert.deepEqual(v, { ok: true });
const refusedWith = (v: Verdict, code: string): void => {
  assert.equal(v.ok, false);
  if (!v.ok) assert.equal(v.code, code, v.reason);
};
/** The signing query of `signed` moved onto another URL (what HLS query substitution does). */
const onto = (signed: string, url: string): string => `${url}${signed.slice(signed.indexOf('?'))}`;

describe('signFolder (SHA1, https PUBLIC_URL)', () => {
  const signer = createSigner(keys, 'https://cdn.example.com');
  const grant = signer.signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });

  test('signer reports its key id and default hash algorithm', () => {
    assert.equal(signer.keyPairId, KEY_ID);
    assert.equal(signer.hashAlgorithm, 'SHA1');
  });

  test('the URL is the file under PUBLIC_URL + folder with Policy, Signature and Key-Pair-Id', () => {
    assert.ok(grant.url.startsWith('https://cdn.example.com/live/demo/q/master.m3u8?'), grant.url);
    assert.deepEqual(queryPairs(grant.url).map(([k]) => k).sort(), ['Key-Pair-Id', 'Policy', 'Signature']);
    assert.equal(param(grant.url, 'Key-Pair-Id'), KEY_ID);
    assert.match(param(grant.url, 'Signature')!, /^[A-Za-z0-9~-]{342}__$/);
    assert.match(param(grant.url, 'Policy')!, /^[A-Za-z0-9~-]+_{0,2}$/);
    assert.equal(param(grant.url, 'Expires'), undefined);
    assert.equal(param(grant.url, 'Hash-Algorithm'), undefined);
  });

  test('the policy is a folder wildcard with DateLessThan in whole seconds (floored)', () => {
    const { doc } = policyOf(grant.url);
    assert.equal(doc.Statement.length, 1);
    assert.equal(doc.Statement[0]!.Resource, 'https://cdn.example.com/live/demo/*');
    assert.deepEqual(doc.Statement[0]!.Condition, { DateLessThan: { 'AWS:EpochTime': EXPIRES_S } });
    assert.equal(EXPIRES_S, 1_800_003_600);
    assert.equal(grant.resource, 'https://cdn.example.com/live/demo/*');
  });

  test('the policy bytes are exactly buildCustomPolicy output', () => {
    assert.equal(policyOf(grant.url).json, buildCustomPolicy({ resource: 'https://cdn.example.com/live/demo/*', dateLessThan: EXPIRES_S }));
  });

  test('the signature is RSA-SHA1 over the policy bytes', () => {
    const { bytes } = policyOf(grant.url);
    const sig = cfDecode(param(grant.url, 'Signature')!);
    assert.equal(sig.length, 256);
    assert.equal(crypto.verify('sha1', bytes, pair.publicKey, sig), true);
    assert.equal(crypto.verify('sha256', bytes, pair.publicKey, sig), false);
  });

  test('cookies are exactly the three CloudFront cookies carrying the URL values', () => {
    assert.deepEqual(grant.cookies.map((c) => c.name).sort(), ['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    const c = cookieMap(grant);
    assert.equal(c['CloudFront-Policy'], param(grant.url, 'Policy'));
    assert.equal(c['CloudFront-Signature'], param(grant.url, 'Signature'));
    assert.equal(c['CloudFront-Key-Pair-Id'], KEY_ID);
  });

  test('cookie scope, secure flag and expiry', () => {
    assert.equal(grant.cookiePath, '/live/demo/');
    assert.equal(grant.secure, true);
    assert.equal(grant.expiresAt, EXPIRES);
  });

  test('the verifier accepts the URL, and the cookies for any file below the folder', () => {
    ok(verifier.verifyRequest({ url: grant.url, cookies: {}, clientIp: VIEWER }));
    ok(verifier.verifyRequest({ url: 'https://cdn.example.com/live/demo/r1/240p/0.ts', cookies: cookieMap(grant), clientIp: VIEWER }));
    ok(verifier.verifyRequest({ url: 'https://cdn.example.com/live/demo/q/r1.m3u8?_HLS_msn=5', cookies: cookieMap(grant), clientIp: VIEWER }));
    // the query moved onto a child playlist of the same folder (EXT-X-DEFINE substitution)
    ok(verifier.verifyRequest({ url: onto(grant.url, 'https://cdn.example.com/live/demo/q/r1/240p.m3u8'), cookies: {}, clientIp: VIEWER }));
  });

  test('the verifier refuses the grant for another folder, a sibling prefix, and http', () => {
    refusedWith(verifier.verifyRequest({ url: onto(grant.url, 'https://cdn.example.com/live/other/q/master.m3u8'), cookies: {}, clientIp: VIEWER }), 'AccessDenied');
    refusedWith(verifier.verifyRequest({ url: 'https://cdn.example.com/live/other/0.ts', cookies: cookieMap(grant), clientIp: VIEWER }), 'AccessDenied');
    refusedWith(verifier.verifyRequest({ url: 'https://cdn.example.com/live/demo2/0.ts', cookies: cookieMap(grant), clientIp: VIEWER }), 'AccessDenied');
    refusedWith(verifier.verifyRequest({ url: onto(grant.url, 'http://cdn.example.com/live/demo/q/master.m3u8'), cookies: {}, clientIp: VIEWER }), 'AccessDenied');
  });

  test('the verifier refuses the grant after it expires', () => {
    const later = createVerifier(keys.publicKeys, { now: () => EXPIRES_S * 1000 });
    refusedWith(later.verifyRequest({ url: grant.url, cookies: {}, clientIp: VIEWER }), 'AccessDenied');
    const justBefore = createVerifier(keys.publicKeys, { now: () => EXPIRES_S * 1000 - 1 });
    ok(justBefore.verifyRequest({ url: grant.url, cookies: {}, clientIp: VIEWER }));
  });

  test('no IP binding and no start date unless asked for', () => {
    ok(verifier.verifyRequest({ url: grant.url, cookies: {}, clientIp: '198.51.100.1' }));
    ok(verifier.verifyRequest({ url: grant.url, cookies: {}, clientIp: '2001:db8::1' }));
  });
});

describe('signFolder variations', () => {
  test('http PUBLIC_URL → secure false, http resource, cookies accepted over http', () => {
    const g = createSigner(keys, 'http://localhost:8080').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });
    assert.equal(g.secure, false);
    assert.ok(g.url.startsWith('http://localhost:8080/live/demo/q/master.m3u8?'));
    assert.equal(policyOf(g.url).doc.Statement[0]!.Resource, 'http://localhost:8080/live/demo/*');
    assert.equal(g.cookiePath, '/live/demo/');
    ok(verifier.verifyRequest({ url: 'http://localhost:8080/live/demo/0.ts', cookies: cookieMap(g), clientIp: VIEWER }));
    refusedWith(verifier.verifyRequest({ url: 'https://localhost:8080/live/demo/0.ts', cookies: cookieMap(g), clientIp: VIEWER }), 'AccessDenied');
  });

  test('PUBLIC_URL with a path prefix: resource and cookie path include it', () => {
    const g = createSigner(keys, 'https://x.example.com/base').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });
    assert.ok(g.url.startsWith('https://x.example.com/base/live/demo/q/master.m3u8?'), g.url);
    assert.equal(policyOf(g.url).doc.Statement[0]!.Resource, 'https://x.example.com/base/live/demo/*');
    assert.equal(g.resource, 'https://x.example.com/base/live/demo/*');
    assert.equal(g.cookiePath, '/base/live/demo/');
    assert.equal(g.secure, true);
    ok(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: VIEWER }));
    ok(verifier.verifyRequest({ url: 'https://x.example.com/base/live/demo/seg.ts', cookies: cookieMap(g), clientIp: VIEWER }));
    refusedWith(verifier.verifyRequest({ url: 'https://x.example.com/live/demo/seg.ts', cookies: cookieMap(g), clientIp: VIEWER }), 'AccessDenied');
  });

  test('notBefore adds DateGreaterThan in seconds, enforced by the verifier', () => {
    const notBefore = new Date(NOW - 60_000 + 999);
    const g = createSigner(keys, 'https://cdn.example.com').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES, notBefore });
    const cond = policyOf(g.url).doc.Statement[0]!.Condition;
    assert.deepEqual(cond, { DateLessThan: { 'AWS:EpochTime': EXPIRES_S }, DateGreaterThan: { 'AWS:EpochTime': Math.floor(notBefore.getTime() / 1000) } });
    ok(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: VIEWER }));
    const early = createVerifier(keys.publicKeys, { now: () => NOW - 120_000 });
    refusedWith(early.verifyRequest({ url: g.url, cookies: {}, clientIp: VIEWER }), 'AccessDenied');
  });

  test('an IPv4 clientIp binds the grant to /32', () => {
    const g = createSigner(keys, 'https://cdn.example.com').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES, clientIp: VIEWER });
    assert.deepEqual(policyOf(g.url).doc.Statement[0]!.Condition.IpAddress, { 'AWS:SourceIp': '203.0.113.7/32' });
    ok(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: VIEWER }));
    ok(verifier.verifyRequest({ url: 'https://cdn.example.com/live/demo/0.ts', cookies: cookieMap(g), clientIp: VIEWER }));
    refusedWith(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: '203.0.113.8' }), 'AccessDenied');
  });

  test('an IPv6 clientIp adds no IpAddress condition', () => {
    const g = createSigner(keys, 'https://cdn.example.com').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES, clientIp: '2001:db8::7' });
    const cond = policyOf(g.url).doc.Statement[0]!.Condition;
    assert.equal(cond.IpAddress, undefined);
    assert.deepEqual(Object.keys(cond), ['DateLessThan']);
    ok(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: '2001:db8::7' }));
  });

  test('an IPv4-mapped IPv6 clientIp (dual-stack socket) is an IPv4 viewer: bound to its /32', () => {
    // Node reports IPv4 peers of a "::" listener as ::ffff:a.b.c.d; the verifier already treats them as IPv4
    const g = createSigner(keys, 'https://cdn.example.com').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES, clientIp: '::ffff:203.0.113.7' });
    assert.deepEqual(policyOf(g.url).doc.Statement[0]!.Condition.IpAddress, { 'AWS:SourceIp': '203.0.113.7/32' });
    refusedWith(verifier.verifyRequest({ url: g.url, cookies: {}, clientIp: '198.51.100.1' }), 'AccessDenied');
  });

  test('every condition together, in CloudFront key order', () => {
    const notBefore = new Date(NOW - 1000);
    const g = createSigner(keys, 'https://cdn.example.com').signFolder('/vod/abc', 'q/master.m3u8', { expiresAt: EXPIRES, notBefore, clientIp: VIEWER });
    assert.equal(
      policyOf(g.url).json,
      `{"Statement":[{"Resource":"https://cdn.example.com/vod/abc/*","Condition":{"DateLessThan":{"AWS:EpochTime":${EXPIRES_S}},"DateGreaterThan":{"AWS:EpochTime":${(NOW - 1000) / 1000}},"IpAddress":{"AWS:SourceIp":"203.0.113.7/32"}}}]}`,
    );
  });

  test('two grants for the same policy carry the same signature (deterministic RSA PKCS#1 v1.5)', () => {
    const s = createSigner(keys, 'https://cdn.example.com');
    const a = s.signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });
    const b = s.signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });
    assert.equal(a.url, b.url);
  });
});

describe('SHA256', () => {
  const signer = createSigner(keys, 'https://cdn.example.com', 'SHA256');
  const grant = signer.signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });

  test('the URL carries Hash-Algorithm=SHA256 and the cookies CloudFront-Hash-Algorithm', () => {
    assert.equal(signer.hashAlgorithm, 'SHA256');
    assert.equal(param(grant.url, 'Hash-Algorithm'), 'SHA256');
    assert.deepEqual(grant.cookies.map((c) => c.name).sort(), ['CloudFront-Hash-Algorithm', 'CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    assert.equal(cookieMap(grant)['CloudFront-Hash-Algorithm'], 'SHA256');
    assert.equal(cookieMap(grant)['CloudFront-Signature'], param(grant.url, 'Signature'));
  });

  test('the signature verifies with sha256 and not sha1', () => {
    const { bytes } = policyOf(grant.url);
    const sig = cfDecode(param(grant.url, 'Signature')!);
    assert.equal(crypto.verify('sha256', bytes, pair.publicKey, sig), true);
    assert.equal(crypto.verify('sha1', bytes, pair.publicKey, sig), false);
  });

  test('the verifier accepts the URL and cookies, and refuses another folder', () => {
    ok(verifier.verifyRequest({ url: grant.url, cookies: {}, clientIp: VIEWER }));
    ok(verifier.verifyRequest({ url: 'https://cdn.example.com/live/demo/0.ts', cookies: cookieMap(grant), clientIp: VIEWER }));
    refusedWith(verifier.verifyRequest({ url: 'https://cdn.example.com/live/x/0.ts', cookies: cookieMap(grant), clientIp: VIEWER }), 'AccessDenied');
  });

  test('the signature differs from the SHA1 one for the same policy', () => {
    const sha1 = createSigner(keys, 'https://cdn.example.com').signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });
    assert.equal(param(sha1.url, 'Policy'), param(grant.url, 'Policy'));
    assert.notEqual(param(sha1.url, 'Signature'), param(grant.url, 'Signature'));
  });
});

describe('parsed KeyObject vs PEM string', () => {
  for (const algorithm of ['SHA1', 'SHA256'] as const) {
    test(`${algorithm}: the signer's URL is byte-identical to the SDK given the PEM`, () => {
      const signer = createSigner(keys, 'https://cdn.example.com', algorithm);
      const url = 'https://cdn.example.com/vod/abc/q/master.m3u8';
      const resource = 'https://cdn.example.com/vod/abc/*';
      const policy = buildCustomPolicy({ resource, dateLessThan: EXPIRES_S });
      const fromPem = getSignedUrl({ url, policy, keyPairId: KEY_ID, privateKey: privatePem, algorithm });
      const fromSigner = signer.signUrlForResource(url, resource, { expiresAt: EXPIRES });
      assert.equal(param(fromSigner, 'Signature'), param(fromPem, 'Signature'));
      assert.equal(fromSigner, fromPem);
    });
  }

  test('signUrlForResource signs any host and is accepted for files below the resource', () => {
    const signer = createSigner(keys, 'https://cdn.example.com');
    const url = signer.signUrlForResource('https://other.example.net/vod/abc/q/master.m3u8', 'https://other.example.net/vod/abc/*', { expiresAt: EXPIRES });
    assert.ok(url.startsWith('https://other.example.net/vod/abc/q/master.m3u8?'));
    assert.equal(policyOf(url).doc.Statement[0]!.Resource, 'https://other.example.net/vod/abc/*');
    ok(verifier.verifyRequest({ url, cookies: {}, clientIp: VIEWER }));
    refusedWith(verifier.verifyRequest({ url: onto(url, 'https://other.example.net/vod/xyz/q/master.m3u8'), cookies: {}, clientIp: VIEWER }), 'AccessDenied');
  });
});

describe('signStreamName', () => {
  const signer: Signer = createSigner(keys, 'https://cdn.example.com');
  const signed = signer.signStreamName('paid', { expiresAt: EXPIRES });
  const query = (s: string): Record<string, unknown> => Object.fromEntries(queryPairs(s));

  test('shape: name?Policy=…&Key-Pair-Id=…&Signature=…', () => {
    assert.match(signed, /^paid\?Policy=[A-Za-z0-9~_-]+&Key-Pair-Id=KTESTKEY000001&Signature=[A-Za-z0-9~_-]+$/);
  });

  test('the policy Resource is exactly the stream name', () => {
    const { doc } = policyOf(signed);
    assert.equal(doc.Statement[0]!.Resource, 'paid');
    assert.deepEqual(doc.Statement[0]!.Condition, { DateLessThan: { 'AWS:EpochTime': EXPIRES_S } });
  });

  test('the verifier accepts it for that name only', () => {
    ok(verifier.verifyStreamName('paid', query(signed), VIEWER));
    refusedWith(verifier.verifyStreamName('paid2', query(signed), VIEWER), 'AccessDenied');
    refusedWith(verifier.verifyStreamName('free', query(signed), VIEWER), 'AccessDenied');
  });

  test('a nested stream name keeps its slash raw', () => {
    const s = signer.signStreamName('videos/clip.flv', { expiresAt: EXPIRES });
    assert.ok(s.startsWith('videos/clip.flv?Policy='));
    assert.equal(policyOf(s).doc.Statement[0]!.Resource, 'videos/clip.flv');
    ok(verifier.verifyStreamName('videos/clip.flv', query(s), VIEWER));
  });

  test('SHA256 stream names carry Hash-Algorithm and verify', () => {
    const s = createSigner(keys, 'https://cdn.example.com', 'SHA256').signStreamName('paid', { expiresAt: EXPIRES });
    assert.equal(param(s, 'Hash-Algorithm'), 'SHA256');
    ok(verifier.verifyStreamName('paid', query(s), VIEWER));
  });
});

describe('signExactUrl (canned policy)', () => {
  const signer = createSigner(keys, 'https://cdn.example.com');
  const wholeSecond = new Date(NOW + 7_200_000);
  const url = 'https://cdn.example.com/vod/abc/q/master.m3u8';
  const signed = signer.signExactUrl(url, wholeSecond);

  test('Expires, Key-Pair-Id and Signature; no Policy', () => {
    assert.ok(signed.startsWith(`${url}?`));
    assert.deepEqual(queryPairs(signed).map(([k]) => k).sort(), ['Expires', 'Key-Pair-Id', 'Signature']);
    assert.equal(param(signed, 'Expires'), String(wholeSecond.getTime() / 1000));
    assert.equal(param(signed, 'Policy'), undefined);
  });

  test('the signature covers the canned policy of the exact URL', () => {
    const sig = cfDecode(param(signed, 'Signature')!);
    assert.equal(crypto.verify('sha1', Buffer.from(cannedPolicy(url, wholeSecond.getTime() / 1000)), pair.publicKey, sig), true);
  });

  test('the verifier accepts the exact URL only', () => {
    ok(verifier.verifyRequest({ url: signed, cookies: {}, clientIp: VIEWER }));
    refusedWith(verifier.verifyRequest({ url: onto(signed, 'https://cdn.example.com/vod/abc/q/r1.m3u8'), cookies: {}, clientIp: VIEWER }), 'AccessDenied');
    refusedWith(verifier.verifyRequest({ url: signed.replace('?', '?x=1&'), cookies: {}, clientIp: VIEWER }), 'AccessDenied');
  });

  test('a URL with its own query keeps it and is accepted with it', () => {
    const withQuery = signer.signExactUrl('https://cdn.example.com/vod/abc/q/master.m3u8?lang=en', wholeSecond);
    assert.ok(withQuery.startsWith('https://cdn.example.com/vod/abc/q/master.m3u8?lang=en&Expires='));
    ok(verifier.verifyRequest({ url: withQuery, cookies: {}, clientIp: VIEWER }));
  });

  test('SHA256 canned URLs carry Hash-Algorithm and verify', () => {
    const s = createSigner(keys, 'https://cdn.example.com', 'SHA256').signExactUrl(url, wholeSecond);
    assert.equal(param(s, 'Hash-Algorithm'), 'SHA256');
    ok(verifier.verifyRequest({ url: s, cookies: {}, clientIp: VIEWER }));
  });
});

describe('queryPairs, signatureQueryParams, SIGNING_PARAMS', () => {
  test('raw values in order, fragment dropped, empty pieces skipped', () => {
    assert.deepEqual(queryPairs('https://h/x?b=%20a&a=1&flag&&=z&d=e=f&b=2#frag&g=h'), [
      ['b', '%20a'],
      ['a', '1'],
      ['flag', ''],
      ['', 'z'],
      ['d', 'e=f'],
      ['b', '2'],
    ]);
  });

  test('no query → no pairs; a bare ? → no pairs', () => {
    assert.deepEqual(queryPairs('https://h/x'), []);
    assert.deepEqual(queryPairs('https://h/x?'), []);
    assert.deepEqual(queryPairs('paid?Policy=a~b_&Signature=-x'), [
      ['Policy', 'a~b_'],
      ['Signature', '-x'],
    ]);
  });

  test('signatureQueryParams', () => {
    assert.deepEqual(signatureQueryParams('SHA1'), ['Policy', 'Signature', 'Key-Pair-Id']);
    assert.deepEqual(signatureQueryParams('SHA256'), ['Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']);
  });

  test('SIGNING_PARAMS are the five CloudFront parameters', () => {
    assert.deepEqual([...SIGNING_PARAMS].sort(), ['Expires', 'Hash-Algorithm', 'Key-Pair-Id', 'Policy', 'Signature']);
  });

  test('every parameter signFolder puts in the URL is one signatureQueryParams names', () => {
    for (const algorithm of ['SHA1', 'SHA256'] as const) {
      const g = createSigner(keys, 'https://cdn.example.com', algorithm).signFolder('/live/demo', 'q/master.m3u8', { expiresAt: EXPIRES });
      assert.deepEqual(queryPairs(g.url).map(([k]) => k).sort(), [...signatureQueryParams(algorithm)].sort());
    }
  });
});
