import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, isAlive, publishUntilRefused, startPublisher, type Child } from '../helpers/processes.ts';
import { openRaw } from '../helpers/rtmp-raw.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { httpsRequest, makeCertificate, presentedFingerprint, type TestCertificate } from '../helpers/tls.ts';
import { waitFor } from '../helpers/wait.ts';

const RUNGS = ['240p', '180p', '120p'];

describe('RTMPS: TLS ingest, HTTPS and RTMPS on one port, certificate reload', () => {
  let server: TestServer;
  let certDir: string;
  let cert: TestCertificate;
  let httpsPort: number;
  let rtmpsPort: number;
  const publishers: Child[] = [];
  /** Publishes over RTMPS. */
  const publish = (port: number, key: string): void => void publishers.push(startPublisher(`rtmps://127.0.0.1:${port}/cfx/st/${key}`));
  const get = (p: string): ReturnType<typeof httpsRequest> => httpsRequest(httpsPort, p, cert.pem);

  before(async () => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-tls-'));
    cert = makeCertificate(certDir);
    httpsPort = await freePort();
    rtmpsPort = await freePort();
    server = await startServer({
      TLS_CERT_FILE: cert.certFile,
      TLS_KEY_FILE: cert.keyFile,
      HTTPS_PORT: String(httpsPort),
      RTMPS_PORTS: `${rtmpsPort},${httpsPort}`,
      PUBLIC_URL: `https://127.0.0.1:${httpsPort}`,
      RTMP_HANDSHAKE_TIMEOUT_SECONDS: '2',
    });
  });
  after(async () => {
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server.stop();
    fs.rmSync(certDir, { recursive: true, force: true });
  });

  test('ffmpeg publishes over rtmps:// on the RTMPS port and viewers get the ladder over HTTPS', async () => {
    publish(rtmpsPort, server.demoKey);
    const master = await waitFor('the master playlist over HTTPS', async () => {
      const res = await get('/live/demo/master.m3u8');
      return res.status === 200 && res.body.toString();
    }, 30_000);
    for (const rung of RUNGS) assert.ok(master.includes(`${rung}.m3u8`), rung);
    for (const rung of RUNGS) {
      const playlist = await waitFor(`${rung} segments`, async () => {
        const res = await get(`/live/demo/${rung}.m3u8`);
        return res.status === 200 && res.body.toString().includes('.ts') && res.body.toString();
      }, 20_000);
      const segment = playlist.split('\n').find((l) => l.endsWith('.ts'))!;
      const res = await get(`/live/demo/${segment}`);
      assert.equal(res.status, 200);
      assert.equal(res.body[0], 0x47, 'an MPEG-TS segment');
    }
    assert.match(server.output(), /publish started .*"channel":"demo"/);
  });

  test('the HTTPS port also takes RTMPS: a second channel publishes on it, and its cookies are Secure', async () => {
    const channel = await createChannel(server, 'tls-shared');
    publish(httpsPort, channel.streamKey);
    await waitFor('the channel on the shared port', async () => (await get('/live/tls-shared/master.m3u8')).status === 200, 30_000);
    const res = await get('/api/catalog'); // sets the viewer cookie
    assert.equal(res.status, 200);
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    assert.ok(cookies.length > 0 && cookies.every((c) => /;\s*Secure/i.test(c)), `Secure cookies over HTTPS: ${cookies.join(' | ')}`);
  });

  test('a wrong key over RTMPS is refused exactly as over RTMP, and ffmpeg shows the reason', async () => {
    const { code, said } = await publishUntilRefused(`rtmps://127.0.0.1:${rtmpsPort}/cfx/st/sk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC`);
    assert.notEqual(code, 'running', 'the wrong key is refused');
    assert.notEqual(code, 0);
    assert.match(said, /Server error: unknown stream key/);
    assert.match(server.output(), /rtmp connection refused: unknown stream key .*"key":"sk_CCC…"/);
    assert.ok(!server.output().includes('sk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'));
  });

  test('TLS handshakes that never finish are closed at the deadline (silent, and a ClientHello cut short)', async () => {
    const silent = await openRaw(rtmpsPort);
    const partial = await openRaw(httpsPort);
    partial.send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])); // a ClientHello's first bytes
    const started = Date.now();
    assert.equal(await silent.closedWithin(5_000), true, 'a silent connection is closed');
    assert.equal(await partial.closedWithin(5_000), true, 'a half handshake is closed');
    assert.ok(Date.now() - started >= 1_000, 'not before the deadline (RTMP_HANDSHAKE_TIMEOUT_SECONDS=2)');
    const plain = await openRaw(rtmpsPort);
    plain.send(Buffer.from([0x03, 0, 0, 0])); // plain RTMP on a TLS port is not TLS
    assert.equal(await plain.closedWithin(5_000), true);
  });

  test('SIGHUP loads a renewed certificate for new connections while live publishers stay connected', async () => {
    assert.equal(await presentedFingerprint(rtmpsPort), cert.fingerprint);
    const renewed = makeCertificate(certDir, 'renewed');
    fs.copyFileSync(renewed.certFile, cert.certFile);
    fs.copyFileSync(renewed.keyFile, cert.keyFile);
    const endedBefore = server.output().split('publish ended').length;
    process.kill(server.pid, 'SIGHUP');
    await waitFor('the reload', () => server.output().includes('TLS certificate reloaded'), 5_000);
    assert.equal(await presentedFingerprint(rtmpsPort), renewed.fingerprint);
    assert.equal(await presentedFingerprint(httpsPort), renewed.fingerprint);
    cert = { ...cert, pem: renewed.pem };
    const sequence = async (): Promise<number> => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec((await get('/live/demo/240p.m3u8')).body.toString())?.[1] ?? -1);
    const before = await sequence();
    await waitFor('the demo channel to keep advancing', async () => (await sequence()) > before, 15_000);
    assert.equal(server.output().split('publish ended').length, endedBefore, 'no publisher was dropped');
    assert.ok(publishers.slice(0, 2).every((p) => isAlive(p.pid)), 'both RTMPS publishers still run');
    // a broken file is refused and the current certificate kept
    fs.writeFileSync(cert.certFile, 'not a certificate');
    process.kill(server.pid, 'SIGHUP');
    await waitFor('the failed reload', () => server.output().includes('TLS certificate reload failed; keeping the current one'), 5_000);
    assert.equal(await presentedFingerprint(rtmpsPort), renewed.fingerprint);
  });
});
