import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { configError, CWD } from '../helpers/config.ts';
import { DEFAULT_LADDER } from '../../server/hls/ladder.ts';


test('defaults with an empty environment', () => {
  const c = loadConfig({}, CWD);
  assert.equal(c.httpPort, 80);
  assert.deepEqual(c.rtmpPorts, [1935, 80]);
  assert.equal(c.publicUrl, 'http://localhost');
  assert.equal(c.segmentSeconds, 2);
  assert.equal(c.x264Preset, 'veryfast');
  assert.equal(c.liveGraceSeconds, 30);
  assert.equal(c.liveWindowSegments, 6);
  assert.equal(c.liveCpuBudget, Math.round(os.availableParallelism() * 85) / 100);
  assert.equal(loadConfig({ LIVE_CPU_BUDGET: '1.5' }, CWD).liveCpuBudget, 1.5);
  assert.equal(c.bind, '0.0.0.0');
  assert.equal(c.adminToken, undefined);
  assert.equal(c.ffmpegPath, 'ffmpeg');
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.ladder, DEFAULT_LADDER);
  assert.equal(c.dataDir, path.join(CWD, 'data'));
  assert.equal(c.mediaDir, path.join(CWD, 'media'));
});

test('blank values fall back to defaults', () => {
  const c = loadConfig({ HTTP_PORT: '', SEGMENT_SECONDS: '   ', DATA_DIR: ' ' }, CWD);
  assert.equal(c.httpPort, 80);
  assert.equal(c.segmentSeconds, 2);
  assert.equal(c.dataDir, path.join(CWD, 'data'));
});

test('the default PUBLIC_URL carries a non-80 HTTP_PORT', () => {
  const c = loadConfig({ HTTP_PORT: '8080' }, CWD);
  assert.equal(c.httpPort, 8080);
  assert.equal(c.publicUrl, 'http://localhost:8080');
});

test('DATA_DIR and MEDIA_DIR resolve against cwd; absolute paths are kept', () => {
  const c = loadConfig({ DATA_DIR: 'var/data', MEDIA_DIR: '/mnt/media' }, CWD);
  assert.equal(c.dataDir, path.join(CWD, 'var', 'data'));
  assert.equal(c.mediaDir, path.resolve('/mnt/media'));
});

test('valid explicit values are parsed', () => {
  const c = loadConfig(
    {
      HTTP_PORT: ' 8443 ',
      RTMP_PORTS: '1935, 1936',
      PUBLIC_URL: 'https://d111111abcdef8.cloudfront.net',
      SEGMENT_SECONDS: '4',
      LADDER: '480p:1400k,720p:3000k',
      X264_PRESET: 'faster',
      LIVE_GRACE_SECONDS: '0',
      ADMIN_TOKEN: '0123456789abcdef',
      LOG_LEVEL: 'debug',
    },
    CWD,
  );
  assert.equal(c.httpPort, 8443);
  assert.deepEqual(c.rtmpPorts, [1935, 1936]);
  assert.equal(c.publicUrl, 'https://d111111abcdef8.cloudfront.net');
  assert.equal(c.segmentSeconds, 4);
  assert.deepEqual(c.ladder, [
    { height: 720, videoKbps: 3000 },
    { height: 480, videoKbps: 1400 },
  ]);
  assert.equal(c.x264Preset, 'faster');
  assert.equal(c.liveGraceSeconds, 0);
  assert.equal(c.adminToken, '0123456789abcdef');
  assert.equal(c.logLevel, 'debug');
});

test('trailing slashes are stripped from PUBLIC_URL', () => {
  assert.equal(loadConfig({ PUBLIC_URL: 'https://cdn.example.com/' }, CWD).publicUrl, 'https://cdn.example.com');
  assert.equal(loadConfig({ PUBLIC_URL: 'https://cdn.example.com/tv//' }, CWD).publicUrl, 'https://cdn.example.com/tv');
});

const BAD: Array<[string, string]> = [
  ['HTTP_PORT', 'abc'],
  ['HTTP_PORT', '70000'],
  ['HTTP_PORT', '0'],
  ['RTMP_PORTS', '1935,1935'],
  ['RTMP_PORTS', 'x'],
  ['RTMP_PORTS', '1935,'],
  ['PUBLIC_URL', 'ftp://x'],
  ['PUBLIC_URL', 'http://x/?a=1'],
  ['PUBLIC_URL', 'http://x/?'],
  ['PUBLIC_URL', 'http://x/#'],
  ['PUBLIC_URL', 'http://x/#frag'],
  ['PUBLIC_URL', 'http://user@x'],
  ['PUBLIC_URL', 'not a url'],
  ['SEGMENT_SECONDS', '0'],
  ['SEGMENT_SECONDS', '11'],
  ['SEGMENT_SECONDS', '1.5'],
  ['LADDER', '720:3000'],
  ['X264_PRESET', 'placebo'],
  ['X264_PRESET', 'VERYFAST'],
  ['LIVE_GRACE_SECONDS', '-1'],
  ['LIVE_WINDOW_SEGMENTS', '2'],
  ['LIVE_CPU_BUDGET', '0'],
  ['LIVE_CPU_BUDGET', 'all'],
  ['LIVE_CPU_BUDGET', '-1'],
  ['ADMIN_TOKEN', 'short-token'],
  ['ADMIN_TOKEN', '0123456789abcde'], // 15 characters
  ['LOG_LEVEL', 'loud'],
  ['BIND', 'localhost'],
];

for (const [name, value] of BAD) {
  test(`${name}=${JSON.stringify(value)} is refused with a message naming ${name}`, () => {
    const err = configError({ [name]: value });
    assert.equal(err.problems.length, 1);
    assert.ok(err.problems[0]!.startsWith(`${name}=`), err.problems[0]);
    assert.match(err.message, new RegExp(`\\b${name}=`));
    assert.equal(err.name, 'ConfigError');
  });
}

test('every bad variable is reported at once', () => {
  const err = configError({ HTTP_PORT: 'abc', LOG_LEVEL: 'loud', LADDER: '720:3000', SEGMENT_SECONDS: '0', X264_PRESET: 'fast' });
  assert.equal(err.problems.length, 4);
  for (const name of ['HTTP_PORT', 'LOG_LEVEL', 'LADDER', 'SEGMENT_SECONDS']) {
    assert.ok(err.problems.some((p) => p.startsWith(`${name}=`)), `no problem reported for ${name}`);
    assert.ok(err.message.includes(`${name}=`), `message does not name ${name}`);
  }
});

test('the returned configuration is frozen, its port list too', () => {
  const c = loadConfig({}, CWD);
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.rtmpPorts));
  assert.throws(() => {
    (c as { httpPort: number }).httpPort = 1;
  }, TypeError);
  assert.throws(() => {
    (c.rtmpPorts as number[]).push(1);
  }, TypeError);
});

test('the ladder is frozen like the port list, also when LADDER is set', () => {
  assert.ok(Object.isFrozen(loadConfig({}, CWD).ladder));
  const custom = loadConfig({ LADDER: '720p:3000k,360p:800k' }, CWD);
  assert.ok(Object.isFrozen(custom.ladder), 'config.ladder parsed from LADDER can be mutated');
});

test('ORIGIN_SECRET: unset by default; 16-256 printable characters', () => {
  assert.equal(loadConfig({}, CWD).originSecret, undefined);
  assert.equal(loadConfig({ ORIGIN_SECRET: 'a'.repeat(16) }, CWD).originSecret, 'a'.repeat(16));
  for (const bad of ['short', 'has spaces inside it ok', 'x'.repeat(257)]) {
    assert.match(configError({ ORIGIN_SECRET: bad }).message, /ORIGIN_SECRET=.* is invalid: expected 16-256 printable characters/, bad);
  }
});

test('INGEST_HOST: PUBLIC_URL\'s host by default (the OBS server field), its own host behind a CDN', () => {
  assert.equal(loadConfig({ PUBLIC_URL: 'https://media.example.com' }, CWD).ingestHost, 'media.example.com');
  assert.equal(loadConfig({ PUBLIC_URL: 'https://d111.cloudfront.net', INGEST_HOST: 'ingest.example.com' }, CWD).ingestHost, 'ingest.example.com');
  assert.match(configError({ INGEST_HOST: 'rtmp://x/y' }).message, /INGEST_HOST=.* is invalid: expected a host name or IP address/);
});

test('LIVE_HLS and PART_SECONDS: both and 0.333 s by default, the three modes, parts from 0.1 to 1 s', () => {
  const defaults = loadConfig({}, CWD);
  assert.equal(defaults.liveHls, 'both');
  assert.equal(defaults.partSeconds, 0.333);
  for (const mode of ['standard', 'low-latency', 'both'] as const) assert.equal(loadConfig({ LIVE_HLS: mode }, CWD).liveHls, mode);
  assert.equal(loadConfig({ PART_SECONDS: '0.5' }, CWD).partSeconds, 0.5);
  assert.match(configError({ LIVE_HLS: 'fast' }).message, /LIVE_HLS=.*invalid/);
  for (const bad of ['0', '0.05', '1.5', 'abc', '-0.3']) assert.match(configError({ PART_SECONDS: bad }).message, /PART_SECONDS=.*seconds from 0\.1 to 1/, bad);
});
