import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../server/config.ts';
import { configError, CWD } from '../helpers/config.ts';

test('RTMP_HANDSHAKE_TIMEOUT_SECONDS defaults to 5 and takes 1..60', () => {
  assert.equal(loadConfig({}, CWD).rtmpHandshakeTimeoutSeconds, 5);
  assert.equal(loadConfig({ RTMP_HANDSHAKE_TIMEOUT_SECONDS: ' ' }, CWD).rtmpHandshakeTimeoutSeconds, 5);
  assert.equal(loadConfig({ RTMP_HANDSHAKE_TIMEOUT_SECONDS: '2' }, CWD).rtmpHandshakeTimeoutSeconds, 2);
  assert.equal(loadConfig({ RTMP_HANDSHAKE_TIMEOUT_SECONDS: '60' }, CWD).rtmpHandshakeTimeoutSeconds, 60);
});

test('a bad RTMP_HANDSHAKE_TIMEOUT_SECONDS stops start-up naming the variable', () => {
  for (const bad of ['0', '61', '1.5', '-1', 'soon']) {
    assert.match(configError({ RTMP_HANDSHAKE_TIMEOUT_SECONDS: bad }).message, /RTMP_HANDSHAKE_TIMEOUT_SECONDS=.* is invalid: expected a whole number 1\.\.60/, bad);
  }
});
