import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transcoderPids } from '../helpers/live-viewer.ts';
import { childPids, publishUntilRefused, spawnChild, startPublisher, type Child } from '../helpers/processes.ts';
import { c0c1 } from '../helpers/rtmp-raw.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const RUNGS = ['240p', '180p', '120p'];

/** `rtmpt://` on the origin's HTTP port. */
const rtmptUrl = (server: TestServer, name: string): string => `rtmpt://127.0.0.1:${server.httpPort}/cfx/st/${name}`;

/** A raw RTMPT POST with fetch: status and body bytes. */
async function post(server: TestServer, path: string, body: Buffer = Buffer.from([0])): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${server.baseUrl}${path}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/x-fcs' } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

describe('RTMPT: RTMP tunnelled over HTTP on the HTTP port, through the same ingest', () => {
  let server: TestServer;
  const children: Child[] = [];

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    await server.stop();
  });

  test('a wrong key over rtmpt is refused: the publisher fails, the key is logged redacted, no transcoder starts', async () => {
    const unknown = 'sk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    const { code, said } = await publishUntilRefused(rtmptUrl(server, unknown));
    assert.notEqual(code, 'running', 'the refused publisher gives up');
    assert.notEqual(code, 0);
    // the refusal's RTMP error is delivered on the client's next poll before the session disappears
    assert.match(said, /Server error: unknown stream key/);
    assert.match(server.output(), /rtmp connection refused: unknown stream key .*"key":"sk_BBB…"/);
    assert.ok(!server.output().includes(unknown), 'the key never appears in full in the log');
    assert.deepEqual(childPids(server.pid, 'ffmpeg'), []);
    assert.equal((await server.get('/live/demo/master.m3u8')).status, 404);
  });

  test('ffmpeg publishes over rtmpt: the master, every rung and their segments appear', async () => {
    children.push(startPublisher(rtmptUrl(server, server.demoKey)));
    const master = await waitFor('the master playlist', async () => {
      const res = await server.get('/live/demo/master.m3u8');
      return res.status === 200 && res.text();
    }, 30_000);
    assert.equal(master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).length, RUNGS.length);
    for (const rung of RUNGS) {
      const segment = await waitFor(`a segment in ${rung}`, async () => {
        const text = await (await server.get(`/live/demo/${rung}.m3u8`)).text();
        return text.split('\n').find((l) => l.endsWith('.ts'));
      }, 30_000);
      const res = await server.get(`/live/demo/${segment}`);
      assert.equal(res.status, 200, `${rung} segment ${segment}`);
      assert.equal(Buffer.from(await res.arrayBuffer())[0], 0x47, 'an MPEG-TS sync byte');
    }
    assert.match(server.output(), /publish started .*"channel":"demo"/);
    assert.equal(transcoderPids(childPids(server.pid, 'ffmpeg'), server.dataDir, 'demo').length, 1, 'one transcoder for the channel');
  });

  test('ffmpeg plays the live channel over rtmpt and decodes frames', async () => {
    const frames = 15;
    const player = spawnChild('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-i', rtmptUrl(server, 'demo'),
      '-map', '0:v', '-frames:v', String(frames), // one second of the 15 fps source
      '-f', 'framecrc', '-', // one line per decoded frame on stdout
    ]);
    children.push(player);
    let out = '';
    let err = '';
    player.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    player.proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await Promise.race([player.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
    assert.equal(code, 0, `the player exits cleanly: ${err.slice(0, 300)}`);
    const decoded = out.split('\n').filter((l) => /^0,/.test(l));
    assert.equal(decoded.length, frames, 'every requested frame was decoded');
    assert.match(server.output(), /rtmp play started .*"channel":"demo"/);
  });
});

describe('RTMPT: sessions whose client stops polling (RTMPT_IDLE_TIMEOUT_SECONDS=1)', () => {
  let server: TestServer;
  const children: Child[] = [];

  before(async () => {
    server = await startServer({ RTMPT_IDLE_TIMEOUT_SECONDS: '1' });
  });
  after(async () => {
    await Promise.all(children.map((c) => c.kill('SIGKILL')));
    await server.stop();
  });

  test('a session left in the middle of its handshake is closed after 1 s, logged, and its id then answers 404', async () => {
    const opened = await post(server, '/open/1');
    assert.equal(opened.status, 200);
    const id = opened.body.toString().trim();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    const sent = await post(server, `/send/${id}/0`, c0c1().subarray(0, 700)); // part of C0+C1, then silence
    assert.equal(sent.status, 200);
    await waitFor('the idle close in the log', () => server.output().includes('rtmpt session closed: no request for 1 s'), 10_000);
    await waitFor('the session to be gone', async () => (await post(server, `/idle/${id}/1`)).status === 404, 5000);
    assert.ok(!server.output().includes('handshake timeout'), 'the tunnel closed it before the ingest deadline');
  });

  test('a publisher that vanishes without closing its session is ended by the idle close', async () => {
    const pub = startPublisher(rtmptUrl(server, server.demoKey));
    children.push(pub);
    await waitFor('the channel to go live', async () => (await server.get('/live/demo/master.m3u8')).status === 200, 30_000);
    const closes = server.output().split('rtmpt session closed: no request').length;
    await pub.kill('SIGKILL'); // no /close: only the idle timeout can tell
    await waitFor('the idle close of the publisher', () => server.output().split('rtmpt session closed: no request').length > closes, 10_000);
    await waitFor('the publish to end', () => /publish ended .*"channel":"demo"/.test(server.output()), 10_000);
  });
});
