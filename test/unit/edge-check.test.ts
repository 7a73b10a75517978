import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { checkEdgeRequest, edgeRequestOf } from '../../server/edge/edge-check.ts';
import { createOriginGuard } from '../../server/origin/origin-secret.ts';
import { pathTokenUrl } from '../../server/signing/path-token.ts';
import { createSigner } from '../../server/signing/signer.ts';
import { createVerifier } from '../../server/signing/verifier.ts';
import { testKeys } from '../helpers/app.ts';

const keys = testKeys();
const verifier = createVerifier(keys.publicKeys);
const signer = createSigner(keys, 'https://edge.example.com');
const req = (headers: Record<string, string>, url = '/_edge_check'): IncomingMessage => ({ headers, url }) as unknown as IncomingMessage;

test('the edge check needs a signature on every /live/ and /vod/ request, free or paid, and on nothing else', () => {
  const expiresAt = new Date(Date.now() + 3600_000);
  const grant = signer.signFolder('/live/any', 'q/master.m3u8', { expiresAt });
  const query = grant.url.slice(grant.url.indexOf('?'));
  const at = (uri: string, cookieHeader?: string): ReturnType<typeof checkEdgeRequest> =>
    checkEdgeRequest(verifier, { uri, scheme: 'https', host: 'edge.example.com', cookieHeader, clientIp: '203.0.113.9' });
  assert.deepEqual(at(`/live/any/q/240p.m3u8${query}`), { ok: true });
  assert.deepEqual(at('/live/any/240p/seg_1.ts', grant.cookies.map((c) => `${c.name}=${c.value}`).join('; ')), { ok: true }, 'signed cookies');
  const refused = at('/live/any/master.m3u8');
  assert.ok(refused !== 'public' && !refused.ok, 'no signature');
  const elsewhere = at(`/live/other/master.m3u8${query}`);
  assert.ok(elsewhere !== 'public' && !elsewhere.ok, 'a signature for one folder does not open another');
  const vod = at('/vod/v_1/master.m3u8');
  assert.ok(vod !== 'public' && !vod.ok);
  for (const uri of ['/', '/api/catalog', '/assets/app.ABCDEFGH.js', '/watch/demo', '/livefoo', '/vod/v_1/poster.jpg', '/vod/v_1/0123456789abcdef/poster.jpg']) assert.equal(at(uri), 'public', uri);
  const token = pathTokenUrl(grant.url, 'https://edge.example.com/live/any', 'master.m3u8').replace('https://edge.example.com', '');
  assert.deepEqual(at(token), { ok: true }, 'a path token, for players without variable substitution');
  const foreign = at(token.replace('/live/any/', '/live/other/'));
  assert.ok(foreign !== 'public' && !foreign.ok, 'a path token for one folder does not open another');
  const deep = at('/vod/v_1/0123456789abcdef/240p/poster.jpg');
  assert.ok(deep !== 'public' && !deep.ok, 'only the poster itself is public');
});

test('edgeRequestOf reads the auth_request headers and refuses a subrequest that does not say what was asked', () => {
  assert.deepEqual(edgeRequestOf(req({ 'x-original-uri': '/live/a/master.m3u8?x=1', 'x-forwarded-host': 'edge:8080', 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.9.9.9, 198.51.100.7', cookie: 'a=b' })), {
    uri: '/live/a/master.m3u8?x=1', scheme: 'https', host: 'edge:8080', cookieHeader: 'a=b', clientIp: '198.51.100.7',
  });
  assert.equal(edgeRequestOf(req({ 'x-forwarded-host': 'edge' })), undefined);
  assert.equal(edgeRequestOf(req({ 'x-original-uri': 'http://evil/', 'x-forwarded-host': 'edge' })), undefined);
  assert.equal(edgeRequestOf(req({ 'x-original-uri': '/live/a' })), undefined);
});

test('the origin guard lets through only requests with the secret, the health check and direct ingest', () => {
  const open = createOriginGuard(undefined, () => false);
  assert.equal(open(req({}, '/api/catalog')), true, 'no secret configured: everything');
  const guard = createOriginGuard('s3cret-s3cret-s3cret', (r) => r.url === '/open/1');
  assert.equal(guard(req({ 'x-origin-secret': 's3cret-s3cret-s3cret' }, '/live/a/master.m3u8')), true);
  assert.equal(guard(req({ 'x-origin-secret': 's3cret-s3cret-s3cre' }, '/live/a/master.m3u8')), false);
  assert.equal(guard(req({}, '/live/a/master.m3u8')), false);
  assert.equal(guard(req({}, '/healthz')), true);
  assert.equal(guard(req({}, '/open/1')), true, 'RTMPT comes straight from encoders');
});
