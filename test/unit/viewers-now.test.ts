import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { createBitrateMeter } from '../../server/ingest/bitrate-meter.ts';
import { createViewersNow, viewerKey } from '../../server/origin/viewers-now.ts';

const request = (url: string, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1'): IncomingMessage =>
  ({ url, headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

test('a viewer is told apart by the signature, the signed cookie, the viewer cookie, else address and user agent', () => {
  assert.equal(viewerKey(request('/live/p/q/240p.m3u8?Policy=x&Signature=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123&Key-Pair-Id=K')), 'ABCDEFGHIJKLMNOPQRSTUVWX');
  assert.equal(viewerKey(request('/live/p/240p.m3u8', { cookie: 'CloudFront-Policy=p; CloudFront-Signature=sigsigsig; bo_viewer=v_1.mac' })), 'sigsigsig');
  assert.equal(viewerKey(request('/live/p/240p.m3u8', { cookie: 'bo_viewer=v_abc.mac' })), 'v_abc.mac');
  assert.equal(viewerKey(request('/live/p/240p.m3u8', { 'user-agent': 'VLC/3.0' })), '10.0.0.1 VLC/3.0');
});

test('viewers now: distinct viewers within the window; a reload keeps a viewer, silence lets them go', () => {
  let t = 0;
  const v = createViewersNow({ windowMs: 30_000, maxPerItem: 100, now: () => t });
  for (const key of ['a', 'b', 'a', 'c']) v.seen('show', key);
  v.seen('film', 'a');
  assert.equal(v.count('show'), 3);
  assert.deepEqual([...v.all()], [['show', 3], ['film', 1]]);
  t = 20_000;
  v.seen('show', 'a'); // a keeps reloading
  t = 31_000;
  assert.equal(v.count('show'), 1, 'b and c left');
  assert.deepEqual([...v.all()], [['show', 1]], 'an item nobody watches is forgotten');
  t = 60_000;
  assert.equal(v.count('show'), 0);
  assert.equal(v.count('never'), 0);
});

test('viewers now: memory is bounded per item (the oldest viewer is dropped first)', () => {
  const v = createViewersNow({ windowMs: 30_000, maxPerItem: 1000, now: () => 0 });
  for (let i = 0; i < 50_000; i++) v.seen('show', `viewer-${i}`);
  assert.equal(v.count('show'), 1000);
});

test('bitrate in: kbit/s between samples at least 2 s apart; a new publish starts over; a gone one is forgotten', () => {
  let t = 0;
  const m = createBitrateMeter(() => t);
  assert.equal(m.sample(new Map([['show', 0]])).get('show'), undefined);
  t = 1000;
  assert.equal(m.sample(new Map([['show', 100_000]])).get('show'), undefined, 'too soon to tell');
  t = 2000;
  assert.equal(m.sample(new Map([['show', 500_000]])).get('show'), 2000, '500 kB in 2 s is 2000 kbit/s');
  t = 3000;
  assert.equal(m.sample(new Map([['show', 600_000]])).get('show'), 2000, 'the last rate until 2 s have passed');
  t = 4000;
  assert.equal(m.sample(new Map([['show', 10]])).get('show'), undefined, 'a counter that went back is a new publish');
  assert.deepEqual([...m.sample(new Map())], []);
});
