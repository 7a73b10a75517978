import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../server/config.ts';
import { configError, CWD } from '../helpers/config.ts';

test('CORS_ORIGINS: unset or blank is an empty, frozen list (only PUBLIC_URL is allowed)', () => {
  for (const env of [{}, { CORS_ORIGINS: '' }, { CORS_ORIGINS: '  ' }]) {
    const c = loadConfig(env, CWD);
    assert.deepEqual(c.corsOrigins, []);
    assert.ok(Object.isFrozen(c.corsOrigins));
  }
});

test('CORS_ORIGINS: comma-separated origins, trimmed, lower-cased, a trailing slash dropped', () => {
  const c = loadConfig({ CORS_ORIGINS: ' https://Shop.Example.com , http://localhost:3000/,https://www.example.com:8443' }, CWD);
  assert.deepEqual(c.corsOrigins, ['https://shop.example.com', 'http://localhost:3000', 'https://www.example.com:8443']);
  assert.ok(Object.isFrozen(c.corsOrigins));
});

test('CORS_ORIGINS: * alone opens to any site', () => {
  assert.deepEqual(loadConfig({ CORS_ORIGINS: '*' }, CWD).corsOrigins, ['*']);
});

const BAD = [
  'example.com', // no scheme
  'https://example.com/player', // a path
  'https://example.com?x=1',
  'https://example.com#top',
  'ftp://example.com',
  'https://user@example.com',
  'https://example.com:443', // browsers never send the default port
  'https://a.example.com,,https://b.example.com', // an empty entry
  'https://a.example.com,*', // * only alone
  '*.example.com',
  'null',
  'https://',
];

for (const value of BAD) {
  test(`CORS_ORIGINS=${JSON.stringify(value)} is refused with a message naming CORS_ORIGINS`, () => {
    const err = configError({ CORS_ORIGINS: value });
    assert.equal(err.problems.length, 1);
    assert.ok(err.problems[0]!.startsWith('CORS_ORIGINS='), err.problems[0]);
    assert.match(err.problems[0]!, /expected comma-separated origins .*https:\/\/example\.com/);
  });
}
