import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { renderPage } from '../../server/origin/static-bundle.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('player assets: content-hashed names, immutable for a year; pages a short cache', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;

  before(async () => {
    ({ app, close } = await buildTestApp());
  });
  after(async () => close());

  test('the page names the hashed bundle and styles, and they are immutable for a year', async () => {
    const page = await app.inject({ url: '/', headers: { cookie: 'x=1' } });
    assert.equal(page.statusCode, 200);
    const js = /src="\/assets\/(app\.[A-Z0-9]{8}\.js)"/.exec(page.body)?.[1];
    const css = /href="\/assets\/(styles\.[A-Z0-9]{8}\.css)"/.exec(page.body)?.[1];
    assert.ok(js && css, page.body);
    for (const [file, type] of [[js, /^text\/javascript/], [css, /^text\/css/], [`${js}.map`, /^application\/json/]] as const) {
      const res = await app.inject({ url: `/assets/${file}` });
      assert.equal(res.statusCode, 200, file);
      assert.match(String(res.headers['content-type']), type);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', file);
    }
  });

  test('a page that sets the viewer cookie is private; one that does not may be cached for a minute', async () => {
    const first = await app.inject({ url: '/' });
    assert.ok(first.headers['set-cookie'], 'first visit sets the viewer cookie');
    assert.equal(first.headers['cache-control'], 'private, no-cache');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const again = await app.inject({ url: '/watch/demo', headers: { cookie } });
    assert.equal(again.headers['set-cookie'], undefined);
    assert.equal(again.headers['cache-control'], 'public, max-age=60, must-revalidate');
  });

  test('the unhashed names still answer (old pages, bookmarks) but are revalidated; unknown and stale hashes are 404', async () => {
    const res = await app.inject({ url: '/assets/app.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-cache');
    for (const url of ['/assets/app.AAAAAAAA.js', '/assets/other.js', '/assets/app.js.map.map', '/assets/manifest.json', '/assets/..%2fmanifest.json']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
  });

  test('renderPage rewrites only the asset names the manifest knows', () => {
    const html = '<link href="/assets/styles.css"><script src="/assets/app.js"></script>';
    assert.equal(renderPage(html, { 'app.js': 'app.ABCDEFGH.js' }), '<link href="/assets/styles.css"><script src="/assets/app.ABCDEFGH.js"></script>');
    assert.equal(renderPage(html, {}), html);
  });
});
