import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateStreamKey, parseRtmpTarget, redactKey, STREAM_KEY } from '../../server/ingest/stream-keys.ts';

test('generateStreamKey: sk_ and 32 base64url characters, matching STREAM_KEY', () => {
  const key = generateStreamKey();
  assert.match(key, STREAM_KEY);
  assert.match(key, /^sk_[A-Za-z0-9_-]{32}$/);
});

test('generateStreamKey: 1000 keys are distinct and carry at least 128 random bits', () => {
  const keys = Array.from({ length: 1000 }, generateStreamKey);
  assert.equal(new Set(keys).size, 1000);
  for (const k of keys) assert.match(k, STREAM_KEY);
  // 32 base64url characters encode 192 bits; every position must actually vary (not a padded or fixed-width secret)
  for (let i = 3; i < 35; i++) {
    const chars = new Set(keys.map((k) => k[i]));
    assert.ok(chars.size > 16, `position ${i} takes only ${chars.size} values`);
  }
  // and the alphabet used is the full base64url one
  const used = new Set(keys.flatMap((k) => [...k.slice(3)]));
  assert.equal(used.size, 64);
});

test('STREAM_KEY refuses near misses', () => {
  for (const bad of ['sk_', `sk_${'a'.repeat(31)}`, `sk_${'a'.repeat(33)}`, `SK_${'a'.repeat(32)}`, `sk_${'a'.repeat(31)}=`, `sk_${'a'.repeat(31)}+`]) {
    assert.doesNotMatch(bad, STREAM_KEY);
  }
});

test('redactKey never shows more than the first 6 characters', () => {
  const key = generateStreamKey();
  assert.equal(redactKey(key), `${key.slice(0, 6)}…`);
  for (let len = 0; len <= 40; len++) {
    const k = 'sk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn'.slice(0, len);
    const shown = redactKey(k).replace(/…$/, '');
    assert.ok(shown.length <= 6, `length ${len}: ${redactKey(k)}`);
    assert.ok(k.startsWith(shown), `length ${len}: ${redactKey(k)}`);
    assert.ok(redactKey(k).endsWith('…'));
  }
  // short strings are hidden entirely (6 of 8 characters would be most of the secret)
  assert.equal(redactKey('sk_abcde'), '…');
});

test('parseRtmpTarget: app cfx/st and a key (ffmpeg, OBS)', () => {
  assert.deepEqual(parseRtmpTarget('cfx/st', 'KEY'), { ok: true, app: 'cfx/st', name: 'KEY' });
});

test('parseRtmpTarget: app cfx with name st/KEY is normalised to app cfx/st', () => {
  assert.deepEqual(parseRtmpTarget('cfx', 'st/KEY'), { ok: true, app: 'cfx/st', name: 'KEY' });
  assert.deepEqual(parseRtmpTarget('/cfx', '/st/KEY'), { ok: true, app: 'cfx/st', name: 'KEY' });
  assert.equal(parseRtmpTarget('cfx', 'st/').ok, false);
  assert.equal(parseRtmpTarget('cfx', 'KEY').ok, false, 'cfx alone is not a publish app');
});

test('parseRtmpTarget: the live alias', () => {
  assert.deepEqual(parseRtmpTarget('live', 'KEY'), { ok: true, app: 'live', name: 'KEY' });
});

test('parseRtmpTarget: leading and trailing slashes on the app are ignored', () => {
  assert.deepEqual(parseRtmpTarget('/cfx/st/', 'KEY'), { ok: true, app: 'cfx/st', name: 'KEY' });
  assert.deepEqual(parseRtmpTarget('live/', '/KEY'), { ok: true, app: 'live', name: 'KEY' });
});

test('parseRtmpTarget: unknown apps are refused', () => {
  for (const app of ['other', '', 'cfx/st/x', 'LIVE', 'cfx/st2']) {
    const r = parseRtmpTarget(app, 'KEY');
    assert.equal(r.ok, false, app);
    if (!r.ok) assert.match(r.reason, /unknown app/);
  }
});

test('parseRtmpTarget: an empty or malformed stream name is refused', () => {
  for (const name of ['', '/', 'KEY\n', 'K\0EY', 'KEY\x1f', 'KEY\x7f', 'K\tEY', 'a\\b', '..\\..\\x', 'x'.repeat(1025)]) {
    const r = parseRtmpTarget('cfx/st', name);
    assert.equal(r.ok, false, JSON.stringify(name));
    if (!r.ok) assert.equal(r.reason, 'malformed stream name');
  }
  assert.equal(parseRtmpTarget('cfx/st', 'x'.repeat(1024)).ok, true);
});

test('parseRtmpTarget: non-string app or name is refused', () => {
  for (const [app, name] of [
    [undefined, 'KEY'],
    [null, 'KEY'],
    [42, 'KEY'],
    [['cfx/st'], 'KEY'],
    ['cfx/st', undefined],
    ['cfx/st', 7],
  ] as Array<[unknown, unknown]>) {
    assert.deepEqual(parseRtmpTarget(app, name), { ok: false, reason: 'missing app or stream name' });
  }
});
