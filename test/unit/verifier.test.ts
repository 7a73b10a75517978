import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { encodeCloudFrontBase64 } from '../../server/signing/cloudfront-base64.ts';
import { buildCustomPolicy } from '../../server/signing/policy.ts';
import { pathTokenUrl } from '../../server/signing/path-token.ts';
import { createVerifier, parseCookies, refusalXml, stripSigningParams, type Verdict } from '../../server/signing/verifier.ts';

const NOW = 1_800_000_000_000;
const T = NOW / 1000;
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const RSA_ID = 'K2JCJMDEHXQW5F';
const EC_ID = 'K3ECDSAKEY0001';
const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const verifier = createVerifier(new Map([[RSA_ID, rsa.publicKey], [EC_ID, ec.publicKey]]), { now: () => NOW });

const FOLDER = 'https://cdn.example.com/live/paid';
const MASTER = `${FOLDER}/q/master.m3u8`;
const VIEWER = '203.0.113.7';

function custom(opts: { resource?: string; lessThan?: number; greaterThan?: number; ip?: string; keyId?: string; key?: string; algorithm?: 'SHA1' | 'SHA256'; url?: string } = {}): string {
  const policy = buildCustomPolicy({
    resource: opts.resource ?? `${FOLDER}/*`,
    dateLessThan: opts.lessThan ?? T + 3600,
    ...(opts.greaterThan !== undefined ? { dateGreaterThan: opts.greaterThan } : {}),
    ...(opts.ip ? { sourceIp: opts.ip } : {}),
  });
  return getSignedUrl({ url: opts.url ?? MASTER, policy, keyPairId: opts.keyId ?? RSA_ID, privateKey: opts.key ?? rsaPem, ...(opts.algorithm ? { algorithm: opts.algorithm } : {}) });
}

function canned(url: string, lessThan = T + 3600): string {
  return getSignedUrl({ url, dateLessThan: new Date(lessThan * 1000).toISOString(), keyPairId: RSA_ID, privateKey: rsaPem });
}

/** Moves a URL's signing query onto another path of the same origin (what HLS variable substitution does). */
function onto(signed: string, url: string): string {
  return `${url}${signed.slice(signed.indexOf('?'))}`;
}

function replaceParam(url: string, name: string, value: string | undefined): string {
  const [base, query = ''] = url.split('?');
  const pairs = query.split('&').filter((p) => !p.startsWith(`${name}=`));
  if (value !== undefined) pairs.push(`${name}=${value}`);
  return `${base}?${pairs.join('&')}`;
}

const ask = (url: string, cookies: Record<string, string> = {}, clientIp = VIEWER): Verdict => verifier.verifyRequest({ url, cookies, clientIp });
const code = (v: Verdict): string => (v.ok ? 'OK' : v.code);

describe('CloudFront answers to signatures made with @aws-sdk/cloudfront-signer', () => {
  const cookieGrant = getSignedCookies({ policy: buildCustomPolicy({ resource: `${FOLDER}/*`, dateLessThan: T + 3600 }), keyPairId: RSA_ID, privateKey: rsaPem });
  const cookies: Record<string, string> = Object.fromEntries(Object.entries(cookieGrant).map(([k, v]) => [k, String(v)]));
  const cannedSegment = canned(`${FOLDER}/r1/240p/0.ts`);
  const sig = new URL(custom()).searchParams.get('Signature')!;
  const tamperedSig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
  const policyJson = Buffer.from(new URL(custom()).searchParams.get('Policy')!.replace(/[-_~]/g, (c) => ({ '-': '+', _: '=', '~': '/' })[c]!), 'base64').toString();
  const tamperedPolicy = encodeCloudFrontBase64(policyJson.replace(`${T + 3600}`, `${T + 999999}`));
  const msPolicy = buildCustomPolicy({ resource: `${FOLDER}/*`, dateLessThan: (T + 3600) * 1000 });

  const cases: Array<[string, () => Verdict, string]> = [
    ['valid wildcard custom URL (master)', () => ask(custom()), 'OK'],
    ['valid wildcard custom URL carried to a segment', () => ask(onto(custom(), `${FOLDER}/r1/240p/7.ts`)), 'OK'],
    ['valid cookies, no query', () => ask(`${FOLDER}/r1/240p/7.ts`, cookies), 'OK'],
    ['cookies for another folder', () => ask('https://cdn.example.com/live/other/master.m3u8', cookies), 'AccessDenied'],
    ['canned exact URL', () => ask(cannedSegment), 'OK'],
    ['canned URL on another path', () => ask(onto(cannedSegment, `${FOLDER}/r1/240p/1.ts`)), 'AccessDenied'],
    ['a parameter appended to a canned URL', () => ask(`${cannedSegment}&extra=1`), 'AccessDenied'],
    ['canned URL with its own viewer parameter', () => ask(canned(`${FOLDER}/x.ts?session=abc`)), 'OK'],
    ['SHA-256', () => ask(custom({ algorithm: 'SHA256' })), 'OK'],
    ['SHA-256 signature with the Hash-Algorithm parameter removed', () => ask(replaceParam(custom({ algorithm: 'SHA256' }), 'Hash-Algorithm', undefined)), 'AccessDenied'],
    ['unknown Hash-Algorithm', () => ask(replaceParam(custom(), 'Hash-Algorithm', 'MD5')), 'AccessDenied'],
    ['ECDSA P-256 key', () => ask(custom({ keyId: EC_ID, key: ecPem })), 'OK'],
    ['ECDSA signature claimed by the RSA key id', () => ask(replaceParam(custom({ keyId: EC_ID, key: ecPem }), 'Key-Pair-Id', RSA_ID)), 'AccessDenied'],
    ['expired', () => ask(custom({ lessThan: T - 1 })), 'AccessDenied'],
    ['expires this very second', () => ask(custom({ lessThan: T })), 'AccessDenied'],
    ['not yet valid', () => ask(custom({ greaterThan: T + 60 })), 'AccessDenied'],
    ['valid after DateGreaterThan', () => ask(custom({ greaterThan: T - 60 })), 'OK'],
    ['the bound IP', () => ask(custom({ ip: `${VIEWER}/32` })), 'OK'],
    ['the bound network (CIDR)', () => ask(custom({ ip: '203.0.113.0/24' }), {}, '203.0.113.200'), 'OK'],
    ['other IP', () => ask(custom({ ip: `${VIEWER}/32` }), {}, '198.51.100.1'), 'AccessDenied'],
    ['IPv6 viewer against an IP-bound policy', () => ask(custom({ ip: `${VIEWER}/32` }), {}, '2001:db8::1'), 'AccessDenied'],
    ['IPv4-mapped IPv6 address of the bound IP', () => ask(custom({ ip: `${VIEWER}/32` }), {}, `::ffff:${VIEWER}`), 'OK'],
    ['other item', () => ask(onto(custom(), 'https://cdn.example.com/live/other/q/master.m3u8')), 'AccessDenied'],
    ['the folder itself without a trailing slash', () => ask(onto(custom(), FOLDER)), 'AccessDenied'],
    ['http instead of https', () => ask(onto(custom(), MASTER.replace('https:', 'http:'))), 'AccessDenied'],
    ['another domain', () => ask(onto(custom(), MASTER.replace('cdn.example.com', 'evil.example.com'))), 'AccessDenied'],
    ['tampered signature', () => ask(replaceParam(custom(), 'Signature', tamperedSig)), 'AccessDenied'],
    ['tampered policy', () => ask(replaceParam(custom(), 'Policy', tamperedPolicy)), 'AccessDenied'],
    ['unknown key id', () => ask(replaceParam(custom(), 'Key-Pair-Id', 'KUNKNOWN00000')), 'InvalidKey'],
    ['missing key id', () => ask(replaceParam(custom(), 'Key-Pair-Id', undefined)), 'MissingKey'],
    ['no signature at all', () => ask(MASTER), 'MissingKey'],
    ['missing signature', () => ask(replaceParam(custom(), 'Signature', undefined)), 'MalformedSignature'],
    ['signature in standard base64', () => ask(replaceParam(custom(), 'Signature', sig.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'))), sig.match(/[-_~]/) ? 'MalformedSignature' : 'OK'],
    ['signature with ~ percent-encoded (URLSearchParams.set does this)', () => ask(replaceParam(custom(), 'Signature', sig.replace(/~/g, '%7E'))), sig.includes('~') ? 'MalformedSignature' : 'OK'],
    ['signature truncated', () => ask(replaceParam(custom(), 'Signature', sig.slice(0, -3))), 'MalformedSignature'],
    ['policy not base64', () => ask(replaceParam(custom(), 'Policy', 'not*base64')), 'MalformedPolicy'],
    ['policy base64 of something that is not JSON', () => ask(replaceParam(custom(), 'Policy', encodeCloudFrontBase64('hello'))), 'MalformedPolicy'],
    ['policy with DateLessThan in milliseconds', () => ask(getSignedUrl({ url: MASTER, policy: msPolicy, keyPairId: RSA_ID, privateKey: rsaPem })), 'MalformedPolicy'],
    ['policy whose Statement is [null]', () => ask(replaceParam(custom(), 'Policy', encodeCloudFrontBase64('{"Statement":[null]}'))), 'MalformedPolicy'],
    ['policy whose Statement is null', () => ask(replaceParam(custom(), 'Policy', encodeCloudFrontBase64('{"Statement":null}'))), 'MalformedPolicy'],
    ['canned Expires that is not a number', () => ask(replaceParam(cannedSegment, 'Expires', 'soon')), 'MalformedPolicy'],
    ['a query signature wins over valid cookies', () => ask(replaceParam(custom(), 'Signature', tamperedSig), cookies), 'AccessDenied'],
  ];
  for (const [name, run, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(code(run()), expected));
  }

  test('a policy whose Statement is an object (older docs) is accepted', () => {
    const policy = JSON.stringify({ Statement: { Resource: `${FOLDER}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': T + 60 } } } });
    assert.equal(code(ask(getSignedUrl({ url: MASTER, policy, keyPairId: RSA_ID, privateKey: rsaPem }))), 'OK');
  });

  test('a remembered signature is still checked for time on every request', () => {
    let now = NOW;
    const v = createVerifier(new Map([[RSA_ID, rsa.publicKey]]), { now: () => now });
    const url = custom({ lessThan: T + 10 });
    assert.equal(code(v.verifyRequest({ url, cookies: {}, clientIp: VIEWER })), 'OK');
    now = NOW + 11_000;
    assert.equal(code(v.verifyRequest({ url, cookies: {}, clientIp: VIEWER })), 'AccessDenied');
    assert.equal(code(v.verifyRequest({ url: onto(url, 'https://cdn.example.com/live/other/x.ts'), cookies: {}, clientIp: VIEWER })), 'AccessDenied');
  });
});

describe('signed RTMP stream names', () => {
  const streamName = (resource: string, lessThan = T + 60): Record<string, string> => {
    const url = getSignedUrl({ url: 'rtmp://s.example.com/cfx/st/paid', policy: buildCustomPolicy({ resource, dateLessThan: lessThan }), keyPairId: RSA_ID, privateKey: rsaPem });
    return Object.fromEntries(new URL(`https://x/?${url.split('?')[1]}`).searchParams);
  };
  test('resource = the stream name, wildcards allowed', () => {
    assert.equal(code(verifier.verifyStreamName('paid', streamName('paid'), VIEWER)), 'OK');
    assert.equal(code(verifier.verifyStreamName('videos/clip.mp4', streamName('videos/*'), VIEWER)), 'OK');
    assert.equal(code(verifier.verifyStreamName('other', streamName('paid'), VIEWER)), 'AccessDenied');
    assert.equal(code(verifier.verifyStreamName('paid', streamName('paid', T - 1), VIEWER)), 'AccessDenied');
    assert.equal(code(verifier.verifyStreamName('paid', {}, VIEWER)), 'MissingKey');
  });
});

describe('helpers', () => {
  test('stripSigningParams keeps other parameters raw and in order, without a trailing ?', () => {
    assert.equal(stripSigningParams('https://h/p?a=1&Policy=x&b=%7E&Signature=y&Key-Pair-Id=z'), 'https://h/p?a=1&b=%7E');
    assert.equal(stripSigningParams('https://h/p?Expires=1&Signature=y&Key-Pair-Id=z&Hash-Algorithm=SHA256'), 'https://h/p');
    assert.equal(stripSigningParams('https://h/p'), 'https://h/p');
  });
  test('parseCookies skips malformed pieces and keeps the first of duplicates', () => {
    assert.deepEqual(parseCookies('a=1; ;=x; b; c="q"; a=2; CloudFront-Signature=ab~_'), { a: '1', c: 'q', 'CloudFront-Signature': 'ab~_' });
    assert.deepEqual(parseCookies(undefined), {});
  });
  test('refusal bodies are CloudFront XML', () => {
    assert.equal(refusalXml('MissingKey'), '<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>');
  });
});

describe('path tokens: the signature in the path, for players without variable substitution', () => {
  const tokenUrl = (signed: string, file: string): string => pathTokenUrl(signed, FOLDER, file);
  const good = custom();

  test('every file below the folder opens with the token, with no query and no cookies', () => {
    for (const file of ['master.m3u8', '240p.m3u8', 'r1/240p/0.ts', 'dvr.m3u8']) assert.equal(code(ask(tokenUrl(good, file))), 'OK', file);
    assert.match(tokenUrl(good, 'master.m3u8'), /^https:\/\/cdn\.example\.com\/live\/paid\/s\/[A-Za-z0-9_-]+\/master\.m3u8$/);
  });

  test('a tampered, expired, foreign or empty token is refused as CloudFront would', () => {
    const token = tokenUrl(good, 'master.m3u8').split('/s/')[1]!.split('/')[0]!;
    const query = Buffer.from(token, 'base64url').toString();
    const forged = Buffer.from(query.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`)).toString('base64url');
    assert.equal(code(ask(`${FOLDER}/s/${forged}/master.m3u8`)), 'AccessDenied', 'a signature changed inside the token');
    const flipped = token.slice(0, 40) + (token[40] === 'A' ? 'B' : 'A') + token.slice(41);
    assert.equal(ask(`${FOLDER}/s/${flipped}/master.m3u8`).ok, false, 'a token changed byte for byte');
    assert.equal(code(ask(`${FOLDER}/s/${token}x!/master.m3u8`)), 'MalformedSignature', 'characters outside base64url');
    assert.equal(code(ask(tokenUrl(custom({ lessThan: T - 1 }), 'master.m3u8'))), 'AccessDenied');
    assert.equal(code(ask(tokenUrl(custom({ resource: 'https://cdn.example.com/live/other/*' }), 'master.m3u8'))), 'AccessDenied', 'a token of another channel');
    const noSignature = Buffer.from('Policy=abc&foo=bar').toString('base64url');
    assert.equal(code(ask(`${FOLDER}/s/${noSignature}/master.m3u8`)), 'MissingKey');
  });

  test('a token path never falls back to cookies', () => {
    const cookieGrant = getSignedCookies({ policy: buildCustomPolicy({ resource: `${FOLDER}/*`, dateLessThan: T + 3600 }), keyPairId: RSA_ID, privateKey: rsaPem });
    const cookies: Record<string, string> = Object.fromEntries(Object.entries(cookieGrant).map(([k, v]) => [k, String(v)]));
    const empty = Buffer.from('Policy=x&Key-Pair-Id=y&foo=1').toString('base64url');
    assert.equal(ask(`${FOLDER}/s/${empty}/master.m3u8`, cookies).ok, false);
  });
});
