import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { classifyFirstByte, RTMP_VERSION_BYTE, type PortRoles } from '../../server/ingest/port-sharing.ts';

const rtmp = (): void => {};
const httpServer = http.createServer(); // never listens
const BOTH: PortRoles = { rtmp, http: httpServer };

test('0x03 (RTMP C0) goes to RTMP when the port has that role', () => {
  assert.equal(RTMP_VERSION_BYTE, 0x03);
  assert.equal(classifyFirstByte(0x03, BOTH), 'rtmp');
  assert.equal(classifyFirstByte(0x03, { rtmp }), 'rtmp');
});

test('0x03 on a port without RTMP is refused, not handed to HTTP', () => {
  assert.equal(classifyFirstByte(0x03, { http: httpServer }), 'none');
  assert.equal(classifyFirstByte(0x03, {}), 'none');
});

test('an HTTP method byte goes to HTTP when the port has that role', () => {
  for (const ch of 'GHPOD') assert.equal(classifyFirstByte(ch.charCodeAt(0), BOTH), 'http', ch);
  assert.equal(classifyFirstByte('G'.charCodeAt(0), { http: httpServer }), 'http');
});

test('a non-RTMP byte on an RTMP-only port is refused', () => {
  assert.equal(classifyFirstByte('G'.charCodeAt(0), { rtmp }), 'none');
  assert.equal(classifyFirstByte(0x16, { rtmp }), 'none'); // a TLS ClientHello
  assert.equal(classifyFirstByte('G'.charCodeAt(0), {}), 'none');
});
