import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createPino, loggableUrl, loggerOf } from '../../server/log.ts';

/** A stream that keeps what is written to it. */
function sink(): Writable & { text(): string } {
  let out = '';
  const s = new Writable({ write: (chunk: Buffer, _enc, done) => ((out += chunk.toString()), done()) });
  return Object.assign(s, { text: () => out });
}

test('request URLs are logged without signatures, tokens, emails, session ids or stream keys', () => {
  assert.equal(loggableUrl('/live/paid/q/master.m3u8?Policy=eyJ&Signature=abc~&Key-Pair-Id=K1'), '/live/paid/q/master.m3u8?Policy=…&Signature=…&Key-Pair-Id=…');
  assert.equal(loggableUrl('/vod/v_1/s/eyJwb2xpY3kiOiJ4In0/master.m3u8'), '/vod/v_1/s/…/master.m3u8');
  assert.equal(loggableUrl('/api/playback/paid?player=url'), '/api/playback/paid?player=url');
  assert.equal(loggableUrl('/api/admin/purchases?email=a%40b.c&item=paid'), '/api/admin/purchases?email=…&item=paid');
  assert.equal(loggableUrl('/watch/x?session_id=cs_live_123'), '/watch/x?session_id=…');
  assert.equal(loggableUrl('/live/sk_AbCdEfGhIjKlMnOpQrStUvWxYz012345/master.m3u8'), '/live/sk_…/master.m3u8');
  assert.equal(loggableUrl('/api/admin/uploads/u_0123456789abcdef?offset=65536'), '/api/admin/uploads/u_0123456789abcdef?offset=65536');
  assert.equal(loggableUrl('/x?flag'), '/x?flag');
});

test('pino lines are JSON with level, time and message; secret-named fields are redacted at the top and one level down', () => {
  const out = sink();
  const log = loggerOf(createPino('info', 'json', {}, out));
  log.info('channel created', { channel: 'talk', streamKey: 'sk_secret', nested: { token: 'tok', ok: 1 } });
  log.debug('not written at info');
  log.child({ part: 'ingest' }).warn('refused', { authorization: 'Bearer x', Signature: 'sig' });
  const [a, b, more] = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(more, undefined);
  assert.deepEqual([a!.level, a!.msg, a!.channel, a!.streamKey, a!.nested], [30, 'channel created', 'talk', '[redacted]', { token: '[redacted]', ok: 1 }]);
  assert.equal(typeof a!.time, 'number');
  assert.deepEqual([b!.level, b!.part, b!.authorization, b!.Signature], [40, 'ingest', '[redacted]', '[redacted]']);
  assert.ok(!out.text().includes('sk_secret') && !out.text().includes('tok"') && !out.text().includes('sig"'));
});

test('LOG_FORMAT=pretty writes readable lines through pino-pretty', () => {
  const out = sink();
  loggerOf(createPino('info', 'pretty', {}, out)).info('listening', { http: 8080, streamKey: 'sk_secret' });
  assert.match(out.text(), /INFO.*listening/);
  assert.match(out.text(), /http: 8080/);
  assert.doesNotMatch(out.text(), /sk_secret/);
  assert.doesNotMatch(out.text(), /^\{/);
});
