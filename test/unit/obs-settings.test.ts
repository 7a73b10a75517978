import assert from 'node:assert/strict';
import { test } from 'node:test';
import { obsRtmpsUrl, obsServerUrl, rtmptUrl } from '../../server/ingest/obs-settings.ts';

const base = { ingestHost: 'media.example.com', rtmpPorts: [1935, 80], rtmpsPorts: [443, 1936], httpPort: 80 };

test('the OBS server fields name the default ports only when they are not served', () => {
  assert.equal(obsServerUrl(base), 'rtmp://media.example.com/cfx/st');
  assert.equal(obsServerUrl({ ...base, rtmpPorts: [8935] }), 'rtmp://media.example.com:8935/cfx/st');
  assert.equal(obsRtmpsUrl(base), 'rtmps://media.example.com/cfx/st');
  assert.equal(obsRtmpsUrl({ ...base, rtmpsPorts: [1936] }), 'rtmps://media.example.com:1936/cfx/st');
  assert.equal(obsRtmpsUrl({ ...base, rtmpsPorts: [] }), undefined, 'no certificate, no RTMPS');
  assert.equal(rtmptUrl(base), 'rtmpt://media.example.com/cfx/st');
  assert.equal(rtmptUrl({ ...base, httpPort: 8080 }), 'rtmpt://media.example.com:8080/cfx/st');
});
