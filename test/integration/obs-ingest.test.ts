import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClip } from '../helpers/media.ts';
import { canTrustTestCa, startObs, type ObsOptions, type RunningObs } from '../helpers/obs.ts';
import { childPids, freePort, isRunning } from '../helpers/processes.ts';
import { probeStreams } from '../helpers/probe.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { makeCertificate, type TestCertificate } from '../helpers/tls.ts';
import { waitFor } from '../helpers/wait.ts';

// Real OBS Studio (Debian's 29.0.2) under Xvfb publishing into the origin, as a streamer would set it up.

/** A regex source matching `text` literally. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Lines of OBS's log file (timestamped, unlike its stdout copy) that match `re`. */
const fileLines = (obs: RunningObs, re: RegExp): string[] => obs.log().split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3}: /.test(l) && re.test(l));

/** Rungs of a master playlist: media playlist path and advertised size. */
function rungsOf(master: string): Array<{ playlist: string; width: number; height: number }> {
  const lines = master.split('\n');
  return lines.flatMap((line, i) => {
    const size = /^#EXT-X-STREAM-INF:.*RESOLUTION=(\d+)x(\d+)/.exec(line);
    return size ? [{ playlist: `/live/demo/${lines[i + 1]!.trim()}`, width: Number(size[1]), height: Number(size[2]) }] : [];
  });
}

/** OBS instances not yet stopped (stopped in the suites' `after` if a test failed midway). */
const started = new Set<RunningObs>();

/** Publishes with OBS to `serverUrl` and checks every rung of this publish decodes with video and AAC audio; then stops OBS and checks it is gone. */
async function publishAndCheck(server: TestServer, serverUrl: string, opts: Partial<ObsOptions> = {}): Promise<void> {
  const mark = server.output().length;
  const obs = startObs({ server: serverUrl, streamKey: server.demoKey, ...opts });
  started.add(obs);
  try {
    await obs.waitForLog(new RegExp(`\\[rtmp stream: '[^']+'\\] Connection to ${literal(serverUrl)} successful`), 30_000);
    await obs.waitForLog(/==== Streaming Start ====/, 15_000);
    // this publish's transcoder run: its segments, not a previous publish's, are the ones to check
    const run = await waitFor('a transcoder for this publish', () => /transcoder started \{"channel":"demo","run":"([^"]+)"/.exec(server.output().slice(mark))?.[1], 20_000);
    const master = await waitFor('the master playlist', async () => {
      const res = await server.get('/live/demo/master.m3u8');
      return res.status === 200 && res.text();
    });
    const rungs = rungsOf(master);
    assert.equal(rungs.length, 3, `every rung of the test ladder in the master:\n${master}`);
    for (const rung of rungs) {
      const segment = await waitFor(`a segment of this publish in ${rung.playlist}`, async () => {
        const res = await server.get(rung.playlist);
        return res.status === 200 && (await res.text()).split('\n').filter((l) => l.startsWith(`${run}/`) && l.endsWith('.ts')).at(-1);
      }, 20_000);
      const streams = await probeStreams(`${server.baseUrl}/live/demo/${segment}`);
      const video = streams.find((s) => s.type === 'video');
      const audio = streams.find((s) => s.type === 'audio');
      assert.ok(video && video.frames > 0, `${segment} decodes video: ${JSON.stringify(streams)}`);
      assert.deepEqual([video.width, video.height], [rung.width, rung.height], `${segment} has its advertised size`);
      assert.ok(audio && audio.codec === 'aac' && audio.frames > 0, `${segment} decodes AAC audio: ${JSON.stringify(streams)}`);
    }
  } finally {
    const pids = [obs.obsPid(), obs.xvfbPid(), obs.pid];
    await obs.stop();
    started.delete(obs);
    assert.ok(pids[0] !== undefined, 'the obs process was found under xvfb-run');
    for (const pid of pids) assert.ok(pid === undefined || !isRunning(pid), `process ${pid} (obs, Xvfb, xvfb-run) is gone`);
    assert.ok(!fs.existsSync(obs.home), 'the temporary HOME is removed');
  }
  await waitFor('the origin to see the publish end', () => server.output().slice(mark).includes('INFO publish ended {"part":"ingest","channel":"demo"'), 10_000);
}

describe('OBS Studio publishes into the origin', () => {
  let server: TestServer;
  let clipDir: string;
  let clip: string;

  before(async () => {
    clipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-obs-clip-'));
    clip = path.join(clipDir, 'clip.mp4');
    // a moving test pattern and a tone, looped by an OBS media source over the colour source
    [server] = await Promise.all([startServer(), makeClip(clip, { seconds: 2, width: 640, height: 360, fps: 30 })]);
  });
  after(async () => {
    await Promise.all([...started].map((o) => o.stop()));
    await server?.stop();
    fs.rmSync(clipDir, { recursive: true, force: true });
  });

  test('(a) OBS on the dedicated RTMP port: master, every rung, video and AAC audio', { timeout: 90_000 }, async () => {
    await publishAndCheck(server, `rtmp://127.0.0.1:${server.rtmpPort}/cfx/st`, { mediaFile: clip });
  });

  test('(b) OBS on the HTTP port (RTMP told apart by its first byte): the same', { timeout: 90_000 }, async () => {
    await publishAndCheck(server, `rtmp://127.0.0.1:${server.httpPort}/cfx/st`, { mediaFile: clip });
  });
});

describe('OBS Studio with a stream key no channel has', () => {
  let server: TestServer;
  let obs: RunningObs | undefined;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await obs?.stop();
    await server?.stop();
  });

  test('(c) the origin answers NetStream.Publish.BadName before any success; OBS shows it and stops without retrying', { timeout: 60_000 }, async () => {
    const wrongKey = `sk_${crypto.randomBytes(24).toString('base64url')}`;
    const serverUrl = `rtmp://127.0.0.1:${server.rtmpPort}/cfx/st`;
    obs = startObs({ server: serverUrl, streamKey: wrongKey });
    // librtmp logs the onStatus code and its description; rtmp-stream then fails with -3 (OBS_OUTPUT_INVALID_STREAM, never retried)
    await obs.waitForLog(/NetStream\.Publish\.BadName \([^)\n]*stream key[^)\n]*\)/, 30_000);
    await obs.waitForLog(new RegExp(`\\[rtmp stream: '[^']+'\\] Connection to ${literal(serverUrl)} failed: -3`), 10_000);
    await obs.waitForLog(/==== Streaming Stop ====/, 15_000);
    const log = obs.log();
    assert.doesNotMatch(log, /Connection to \S+ successful/);
    assert.doesNotMatch(log, /==== Streaming Start ====/);
    assert.doesNotMatch(log, /Reconnecting in/i);
    assert.equal(fileLines(obs, /Connecting to RTMP URL/).length, 1, 'one attempt, no retry');

    const out = server.output();
    assert.match(out, new RegExp(`rtmp connection refused: unknown stream key .*"key":"${literal(wrongKey.slice(0, 6))}…"`));
    assert.ok(!out.includes(wrongKey), 'the key never appears in full in the origin log');
    assert.doesNotMatch(out, /publish started/);
    assert.deepEqual(childPids(server.pid, 'ffmpeg'), [], 'no transcoder started');
    assert.equal((await server.get('/live/demo/master.m3u8')).status, 404);

    const pids = [obs.obsPid(), obs.xvfbPid(), obs.pid];
    await obs.stop();
    for (const pid of pids) assert.ok(pid === undefined || !isRunning(pid), `process ${pid} (obs, Xvfb, xvfb-run) is gone`);
  });
});

describe('OBS Studio over RTMPS to the origin with a self-signed certificate', { skip: !canTrustTestCa() && 'needs a mount namespace (root, or user namespaces) to give OBS its own /etc/ssl/certs' }, () => {
  let server: TestServer;
  let certDir: string;
  let cert: TestCertificate;
  let rtmpsPort: number;

  before(async () => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-obs-tls-'));
    cert = makeCertificate(certDir);
    rtmpsPort = await freePort();
    server = await startServer({ TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile, RTMPS_PORTS: String(rtmpsPort), HTTPS_PORT: String(await freePort()) });
  });
  after(async () => {
    await Promise.all([...started].map((o) => o.stop()));
    await server?.stop();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  test('(d) OBS verifies the certificate: refused with only the system store', { timeout: 60_000 }, async () => {
    const serverUrl = `rtmps://localhost:${rtmpsPort}/cfx/st`;
    const obs = startObs({ server: serverUrl, streamKey: server.demoKey });
    started.add(obs);
    try {
      // mbedtls's MBEDTLS_X509_BADCERT_NOT_TRUSTED (8); then rtmp-stream's OBS_OUTPUT_CONNECT_FAILED (-2)
      await obs.waitForLog(/Cert verify failed: 8 \(The certificate is not correctly signed by the trusted CA\)/, 30_000);
      await obs.waitForLog(new RegExp(`\\[rtmp stream: '[^']+'\\] Connection to ${literal(serverUrl)} failed: -2`), 10_000);
      assert.doesNotMatch(obs.log(), /Connection to \S+ successful|==== Streaming Start ====/);
      assert.doesNotMatch(server.output(), /publish started/);
    } finally {
      await obs.stop();
      started.delete(obs);
    }
  });

  test('(e) with the test certificate as its only CA (a private mount namespace), OBS publishes over rtmps://localhost', { timeout: 90_000 }, async () => {
    await publishAndCheck(server, `rtmps://localhost:${rtmpsPort}/cfx/st`, { caFile: cert.certFile });
  });
});
