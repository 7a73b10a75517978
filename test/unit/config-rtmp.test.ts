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

test('without a certificate there is no HTTPS or RTMPS, and PUBLIC_URL stays http', () => {
  const c = loadConfig({}, CWD);
  assert.equal(c.httpsPort, undefined);
  assert.deepEqual(c.rtmpsPorts, []);
  assert.equal(c.tlsCertFile, undefined);
  assert.equal(c.publicUrl, 'http://localhost');
});

test('with a certificate: HTTPS on 443, RTMPS on 443 and 1936, an https PUBLIC_URL by default', () => {
  const c = loadConfig({ TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' }, CWD);
  assert.equal(c.httpsPort, 443);
  assert.deepEqual(c.rtmpsPorts, [443, 1936]);
  assert.equal(c.tlsCertFile, `${CWD}/c.pem`);
  assert.equal(c.publicUrl, 'https://localhost');
  const custom = loadConfig({ TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem', HTTPS_PORT: '8443', RTMPS_PORTS: '8443' }, CWD);
  assert.equal(custom.publicUrl, 'https://localhost:8443');
  assert.deepEqual(custom.rtmpsPorts, [8443]);
});

test('TLS settings that cannot work stop start-up naming the variables', () => {
  assert.match(configError({ TLS_CERT_FILE: 'c.pem' }).message, /TLS_CERT_FILE and TLS_KEY_FILE must be set together/);
  assert.match(configError({ RTMPS_PORTS: '1936' }).message, /HTTPS_PORT and RTMPS_PORTS need a certificate/);
  assert.match(configError({ HTTPS_PORT: '443' }).message, /HTTPS_PORT and RTMPS_PORTS need a certificate/);
  const tls = { TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' };
  assert.match(configError({ ...tls, RTMPS_PORTS: '1935' }).message, /port 1935 is both a plain .* and a TLS port/);
  assert.match(configError({ ...tls, HTTPS_PORT: '80' }).message, /port 80 is both a plain/);
  assert.match(configError({ ...tls, RTMPS_PORTS: 'x' }).message, /RTMPS_PORTS=.* is invalid/);
});

test('RTMPT_IDLE_TIMEOUT_SECONDS defaults to 10 and takes 1..300', () => {
  assert.equal(loadConfig({}, CWD).rtmptIdleTimeoutSeconds, 10);
  assert.equal(loadConfig({ RTMPT_IDLE_TIMEOUT_SECONDS: '300' }, CWD).rtmptIdleTimeoutSeconds, 300);
  assert.match(configError({ RTMPT_IDLE_TIMEOUT_SECONDS: '0' }).message, /RTMPT_IDLE_TIMEOUT_SECONDS=.* is invalid: expected a whole number 1\.\.300/);
});
