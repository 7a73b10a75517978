import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCloudFrontBase64 } from '../../server/signing/cloudfront-base64.ts';
import { buildCustomPolicy } from '../../server/signing/policy.ts';
import { hasPathToken, pathTokenOf, pathTokenUrl, splitPathToken, tokenSecondsLeft, tokenSegments } from '../../server/signing/path-token.ts';

const SIGNED = 'https://cdn.example.com/live/ppv/q/master.m3u8?Policy=eyJTdGF0~ZW1l_bnQi-&Signature=ab~c_d-e&Key-Pair-Id=K2JCJMDEHXQW5F';

test('a token carries exactly the signing query, in order, and comes back from the path', () => {
  const url = pathTokenUrl(`${SIGNED}&other=1`, 'https://cdn.example.com/live/ppv', 'master.m3u8');
  const path = new URL(url).pathname;
  assert.ok(hasPathToken(path));
  assert.deepEqual(splitPathToken(`${path}?ignored=1`), { path: '/live/ppv/master.m3u8', query: 'Policy=eyJTdGF0~ZW1l_bnQi-&Signature=ab~c_d-e&Key-Pair-Id=K2JCJMDEHXQW5F' });
  const segment = splitPathToken(path.replace('master.m3u8', 'r1/240p/3.ts'));
  assert.equal(segment !== 'malformed' && segment?.path, '/live/ppv/r1/240p/3.ts', 'relative URIs below the token keep it');
  assert.match(pathTokenOf(SIGNED), /^[A-Za-z0-9_-]+$/, 'base64url: nothing a player or CDN would re-encode');
});

test('paths without a token, and tokens that do not decode to a query', () => {
  assert.equal(splitPathToken('/live/ppv/master.m3u8'), undefined);
  assert.equal(splitPathToken('/api/s/abc/x'), undefined);
  assert.equal(hasPathToken('/live/ppv/q/master.m3u8'), false);
  assert.equal(splitPathToken('/live/ppv/s/short/master.m3u8'), 'malformed');
  assert.equal(splitPathToken(`/live/ppv/s/${'A'.repeat(30)}`), 'malformed', 'no file after the token');
  assert.equal(splitPathToken(`/vod/v1/s/${Buffer.from('Policy=a b\n').toString('base64url')}xxxxxxxx/master.m3u8`), 'malformed');
  assert.deepEqual(tokenSegments(['s', 'tok', '240p.m3u8']), { token: 'tok', rest: ['240p.m3u8'] });
  assert.deepEqual(tokenSegments(['q', 'master.m3u8']), { token: undefined, rest: ['q', 'master.m3u8'] });
});

test('how long a token lives, read from its policy (or Expires); unreadable ones have no lifetime', () => {
  const policy = encodeCloudFrontBase64(buildCustomPolicy({ resource: 'https://cdn.example.com/live/ppv/*', dateLessThan: 2_000_000_000 }));
  assert.equal(tokenSecondsLeft(pathTokenOf(`https://x/a?Policy=${policy}&Signature=s&Key-Pair-Id=K`), 1_999_999_000_000), 1000);
  assert.equal(tokenSecondsLeft(pathTokenOf('https://x/a?Expires=2000000000&Signature=s&Key-Pair-Id=K'), 1_999_999_990_000), 10);
  assert.equal(tokenSecondsLeft(pathTokenOf('https://x/a?Policy=%%%&Signature=s'), 0), undefined);
});
