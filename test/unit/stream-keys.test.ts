import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAppProblem, generateStreamKey, parsePublishKey, parseRtmpTarget, redactKey, STREAM_KEY } from '../../server/ingest/stream-keys.ts';

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

test('parseRtmpTarget: unknown apps are refused, naming the app', () => {
  for (const app of ['other', '', 'cfx/st2', 'cfxst', 'st']) {
    const r = parseRtmpTarget(app, 'KEY');
    assert.equal(r.ok, false, app);
    if (!r.ok) assert.match(r.reason, /unknown app .*the server must end in \/cfx\/st/);
  }
});

test('an unknown app that holds a stream key (typed into the server field) never shows the key', () => {
  const key = generateStreamKey();
  const r = parseRtmpTarget(`live2/${key}`, '');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.ok(!r.reason.includes(key.slice(0, 12)), r.reason);
    assert.match(r.reason, /unknown app "live2\/sk_.{3}…"/);
  }
});

test('parseRtmpTarget: what streamers mistype and is unambiguous is accepted', () => {
  const key = generateStreamKey();
  const ok = { ok: true, app: 'cfx/st', name: key };
  assert.deepEqual(parseRtmpTarget('cfx/st/', key), ok, 'a trailing slash on the server');
  assert.deepEqual(parseRtmpTarget('CFX/ST', key), ok, 'the app in capitals');
  assert.deepEqual(parseRtmpTarget('Cfx/St', key), ok);
  assert.deepEqual(parseRtmpTarget('LIVE', key), { ok: true, app: 'live', name: key });
  assert.deepEqual(parseRtmpTarget('cfx/st', ` ${key}\n`), ok, 'a key pasted with spaces and a newline');
  assert.deepEqual(parseRtmpTarget('cfx/st', `${key}\r\n`), ok);
  assert.deepEqual(parseRtmpTarget('cfx/st', `\t${key} `), ok);
  assert.deepEqual(parseRtmpTarget(' cfx/st ', key), ok, 'spaces around the server path');
  assert.deepEqual(parseRtmpTarget(`cfx/st/${key}`, ''), ok, 'the key in the server field, the key field empty');
  assert.deepEqual(parseRtmpTarget(`cfx/st/${key}/`, ''), ok);
});

test('parseRtmpTarget: an empty or malformed stream name is refused', () => {
  for (const name of ['K\0EY', 'K\nEY', 'KEY\x1fX', 'K\tEY', 'a\\b', '..\\..\\x', 'x'.repeat(1025)]) {
    const r = parseRtmpTarget('cfx/st', name);
    assert.equal(r.ok, false, JSON.stringify(name));
    if (!r.ok) assert.equal(r.reason, 'malformed stream name');
  }
  for (const name of ['', '/', ' \n']) {
    const r = parseRtmpTarget('cfx/st', name);
    assert.deepEqual(r, { ok: false, reason: 'no stream name: the stream key field is empty' }, JSON.stringify(name));
  }
  assert.equal(parseRtmpTarget('cfx/st', 'x'.repeat(1024)).ok, true);
});

test('parsePublishKey: the key once or twice; refusals say what is wrong without quoting the key', () => {
  const key = generateStreamKey();
  const other = generateStreamKey();
  assert.deepEqual(parsePublishKey(key), { ok: true, key });
  assert.deepEqual(parsePublishKey(`${key}/${key}`), { ok: true, key }, 'the same key in the server and the key field');
  const refusals: Array<[string, RegExp]> = [
    [`${key}/${other}`, /two different stream keys/],
    [`extra/${key}`, /extra path around the key/],
    [`${key.slice(0, 10)} ${key.slice(10)}`, /contains spaces/],
    ['not-a-key', /^malformed stream key$/],
    [key.slice(0, -1), /^malformed stream key$/],
  ];
  for (const [name, reason] of refusals) {
    const r = parsePublishKey(name);
    assert.equal(r.ok, false, name);
    if (!r.ok) {
      assert.match(r.reason, reason);
      assert.ok(!r.reason.includes(key) && !r.reason.includes(other), 'the reason never quotes a key');
    }
  }
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

test('connectAppProblem: the publish apps in any case and the cfx/st split pass; other apps are named, keys redacted', () => {
  const key = generateStreamKey();
  for (const app of ['cfx/st', 'CFX/ST', '/cfx/st/', ' cfx/st', 'cfx', 'live', `cfx/st/${key}`, 'LIVE/x']) assert.equal(connectAppProblem(app), null, app);
  for (const app of ['vod', 'cfx/st2', 'livestream', '', 42]) assert.match(connectAppProblem(app) ?? '', /^unknown app ".*": the server must end in \/cfx\/st$/, String(app));
  assert.ok(!(connectAppProblem(`vod/${key}`) ?? '').includes(key.slice(0, 12)));
});
