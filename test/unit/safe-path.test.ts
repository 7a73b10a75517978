import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSafePath } from '../../server/origin/safe-path.ts';

test('plain HLS paths are split into their segments', () => {
  assert.deepEqual(splitSafePath('/live/demo/720p.m3u8'), ['live', 'demo', '720p.m3u8']);
  assert.deepEqual(splitSafePath('/live/demo/master.m3u8'), ['live', 'demo', 'master.m3u8']);
  assert.deepEqual(splitSafePath('/live/demo/r0a1b2c/480p/12.ts'), ['live', 'demo', 'r0a1b2c', '480p', '12.ts']);
  assert.deepEqual(splitSafePath('/live/..x/...'), ['live', '..x', '...'], 'dots inside a name are harmless');
});

const REFUSED: Array<[string, string]> = [
  ['dot-dot', '/live/../etc/passwd'],
  ['dot-dot at the end', '/live/demo/..'],
  ['encoded dot-dot', '/live/%2e%2e/x'],
  ['encoded dot-dot, upper case', '/live/%2E%2E/x'],
  ['encoded slashes', '/live/demo/..%2f..%2fx'],
  ['encoded NUL', '/live/demo/%00'],
  ['backslashes', '/live\\..\\x'],
  ['a backslash inside a name', '/live/demo\\x.ts'],
  ['an empty segment', '/live//x'],
  ['a trailing slash', '/live/demo/'],
  ['a single dot', '/live/./x'],
  ['a raw NUL', '/live/demo/\0.ts'],
  ['a raw newline', '/live/demo/a\nb.ts'],
  ['a raw carriage return', '/live/demo\r/x'],
  ['a raw unit separator', '/live/\x1f/x'],
  ['a raw DEL', '/live/\x7f/x'],
  ['the root', '/'],
];

for (const [what, p] of REFUSED) {
  test(`refused: ${what} (${JSON.stringify(p).replace(/\x7f/g, "\\x7f")})`, () => {
    assert.equal(splitSafePath(p), null);
  });
}
