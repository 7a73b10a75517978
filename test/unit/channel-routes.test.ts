import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkChannelInput, MAX_PRICE_CENTS } from '../../server/admin/channel-routes.ts';

test('a valid channel', () => {
  assert.deepEqual(checkChannelInput('demo', 'Demo Night', 499), { ok: true, id: 'demo', title: 'Demo Night', priceCents: 499 });
  assert.deepEqual(checkChannelInput('a', 'A', 0), { ok: true, id: 'a', title: 'A', priceCents: 0 });
  assert.deepEqual(checkChannelInput('x'.repeat(63), 't', MAX_PRICE_CENTS), { ok: true, id: 'x'.repeat(63), title: 't', priceCents: MAX_PRICE_CENTS });
  assert.deepEqual(checkChannelInput('9-lives-2', 'T', 1), { ok: true, id: '9-lives-2', title: 'T', priceCents: 1 });
});

test('the title defaults to the name, the price to 0; the title is trimmed', () => {
  assert.deepEqual(checkChannelInput('demo', undefined, undefined), { ok: true, id: 'demo', title: 'demo', priceCents: 0 });
  assert.deepEqual(checkChannelInput('demo', '  Demo  ', null), { ok: true, id: 'demo', title: 'Demo', priceCents: 0 });
});

test('bad names are refused with a message about the name', () => {
  for (const name of ['', 'Demo', 'my channel', '-demo', 'x'.repeat(64), '../x', 'a/b', 'demo_1', 'démo', 'demo\n', 42, undefined, null]) {
    const r = checkChannelInput(name, 'T', 0);
    assert.equal(r.ok, false, JSON.stringify(name));
    if (!r.ok) assert.match(r.message, /^name:/);
  }
});

test('bad prices are refused with a message about the price', () => {
  for (const price of [-1, 1.5, 0.1, MAX_PRICE_CENTS + 1, Number.MAX_SAFE_INTEGER, 1e21, Infinity, NaN, '499', true, [1]]) {
    const r = checkChannelInput('demo', 'T', price);
    assert.equal(r.ok, false, String(price));
    if (!r.ok) assert.match(r.message, /^priceCents:/);
  }
});

test('bad titles are refused with a message about the title', () => {
  for (const title of [42, null, {}, '', '   ', 'x'.repeat(201)]) {
    const r = checkChannelInput('demo', title, 0);
    assert.equal(r.ok, false, JSON.stringify(title));
    if (!r.ok) assert.match(r.message, /^title:/);
  }
  assert.equal(checkChannelInput('demo', 'x'.repeat(200), 0).ok, true);
});
