import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadKeyError, checkKey } from '../../server/storage/bucket.ts';

const ACCEPTED = ['videos/clip.mp4', 'a/b/c.ts', 'my.video.v2.mp4', 'my video/part 1.ts', 'vidéos/日本語/клип.mp4', '..hidden', 'a/..hidden/b', 'a/...', '.env', 'a/b.', 'x'.repeat(1024)];

const REFUSED: Array<[string, string]> = [
  ['a leading dot-dot', '../x'],
  ['a dot-dot that climbs out', 'a/../../x'],
  ['a dot-dot at the end', 'a/..'],
  ['an absolute path', '/etc/passwd'],
  ['an empty segment', 'a//b'],
  ['a trailing slash', 'a/b/'],
  ['a single dot', 'a/./b'],
  ['a lone dot', '.'],
  ['a backslash', 'a\\b'],
  ['a NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a DEL', 'a\u007fb'],
  ['the empty key', ''],
  ['a 1025-byte key', 'x'.repeat(1025)],
  ['a key over 1024 bytes in UTF-8 but not in characters', 'é'.repeat(513)],
];

test('well-formed keys are accepted and returned as they are', () => {
  for (const key of ACCEPTED) assert.equal(checkKey(key), key, JSON.stringify(key));
});

for (const [what, key] of REFUSED) {
  test(`refuses ${what}`, () => {
    assert.throws(() => checkKey(key), BadKeyError);
  });
}

test('the error names what is wrong', () => {
  assert.throws(() => checkKey('a/../b'), (e: Error) => e instanceof BadKeyError && e.name === 'BadKeyError' && /\.\./.test(e.message));
});
