import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capMaxAge, etagMatches, MASTER_CACHE, mediaPlaylistCache, NO_STORE, parseRange, SEGMENT_CACHE } from '../../server/origin/cache-policy.ts';

const SIZE = 1000;

test('parseRange: no header or an unusable one means the full body', () => {
  for (const h of [undefined, '', 'bytes=-', 'items=0-99', 'bytes=a-b', 'bytes 0-99', 'bytes=0-99,200-299', 'bytes=--1']) {
    assert.deepEqual(parseRange(h, SIZE), { kind: 'full' }, String(h));
  }
});

test('parseRange: a first and last byte', () => {
  assert.deepEqual(parseRange('bytes=0-99', SIZE), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange(' bytes=500-500 ', SIZE), { kind: 'partial', start: 500, end: 500 });
});

test('parseRange: an open end runs to the last byte', () => {
  assert.deepEqual(parseRange('bytes=100-', SIZE), { kind: 'partial', start: 100, end: 999 });
  assert.deepEqual(parseRange('bytes=999-', SIZE), { kind: 'partial', start: 999, end: 999 });
});

test('parseRange: a suffix is the last N bytes, the whole body when N exceeds it', () => {
  assert.deepEqual(parseRange('bytes=-100', SIZE), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', SIZE), { kind: 'partial', start: 0, end: 999 });
});

test('parseRange: an end past the body is clamped to the last byte', () => {
  assert.deepEqual(parseRange('bytes=900-5000', SIZE), { kind: 'partial', start: 900, end: 999 });
});

test('parseRange: unsatisfiable ranges', () => {
  for (const h of ['bytes=1000-', 'bytes=1000-2000', 'bytes=5000-6000', 'bytes=-0', 'bytes=50-10']) {
    assert.deepEqual(parseRange(h, SIZE), { kind: 'unsatisfiable' }, h);
  }
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' }, 'no byte of an empty body');
  assert.deepEqual(parseRange('bytes=-10', 0), { kind: 'unsatisfiable' }, 'no suffix of an empty body');
});

test('etagMatches: exact, lists, weak prefixes and *', () => {
  const etag = '"r1-720p-3.ts"';
  assert.equal(etagMatches('"r1-720p-3.ts"', etag), true);
  assert.equal(etagMatches('"other", "r1-720p-3.ts"', etag), true);
  assert.equal(etagMatches('"other","r1-720p-3.ts" ', etag), true);
  assert.equal(etagMatches('W/"r1-720p-3.ts"', etag), true);
  assert.equal(etagMatches('"r1-720p-3.ts"', 'W/"r1-720p-3.ts"'), true);
  assert.equal(etagMatches('*', etag), true);
  assert.equal(etagMatches(' * ', etag), true);
});

test('etagMatches: no header, other tags or unquoted lookalikes do not match', () => {
  const etag = '"r1-720p-3.ts"';
  assert.equal(etagMatches(undefined, etag), false);
  assert.equal(etagMatches('', etag), false);
  assert.equal(etagMatches('"r1-720p-4.ts"', etag), false);
  assert.equal(etagMatches('"a", "b"', etag), false);
  assert.equal(etagMatches('r1-720p-3.ts', etag), false);
  assert.equal(etagMatches('"r1-720p-3.ts', etag), false);
});

test('media playlists are cached for at most half a segment while live', () => {
  assert.equal(mediaPlaylistCache(2, false), 'public, max-age=1');
  assert.equal(mediaPlaylistCache(6, false), 'public, max-age=3');
  assert.equal(mediaPlaylistCache(1, false), 'public, max-age=0');
  assert.equal(mediaPlaylistCache(2, true), 'public, max-age=2');
});

test('segments are immutable for a year; masters briefly; errors never', () => {
  assert.match(SEGMENT_CACHE, /(^|, )immutable(,|$)/);
  assert.match(SEGMENT_CACHE, /(^|, )max-age=31536000(,|$)/);
  assert.match(SEGMENT_CACHE, /^public/);
  assert.equal(MASTER_CACHE, 'public, max-age=5');
  assert.equal(NO_STORE, 'no-store');
});

test('capMaxAge: never longer than a path token lives, and no longer immutable once capped', () => {
  assert.equal(capMaxAge(SEGMENT_CACHE, undefined), SEGMENT_CACHE);
  assert.equal(capMaxAge(SEGMENT_CACHE, 3600.7), 'public, max-age=3600');
  assert.equal(capMaxAge('public, max-age=1', 3600), 'public, max-age=1');
  assert.equal(capMaxAge(SEGMENT_CACHE, -5), 'public, max-age=0');
});
