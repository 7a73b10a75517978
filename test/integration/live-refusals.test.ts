import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transcoderPids } from '../helpers/live-viewer.ts';
import { childPids, publishUntilRefused, startPublisher, type Child } from '../helpers/processes.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Publishes and expects the origin to refuse it: the publisher exits with an error; resolves with what ffmpeg printed. */
async function expectRefused(url: string): Promise<string> {
  const { code, said } = await publishUntilRefused(url);
  assert.notEqual(code, 'running', `${url.replace(/sk_\S+/, 'sk_…')} should be refused`);
  assert.notEqual(code, 0);
  return said;
}

describe('live: publishes that must be refused', () => {
  let server: TestServer;
  const publishers: Child[] = [];

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server.stop();
  });

  test('an unknown stream key is refused, logged redacted, and starts no transcoder', async () => {
    const unknown = 'sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    // ffmpeg prints the description of the server's NetStream.Publish.BadName: the streamer sees why
    assert.match(await expectRefused(server.rtmpUrl(unknown)), /Server error: unknown stream key/);
    assert.match(server.output(), /rtmp connection refused: unknown stream key .*"key":"sk_AAA…"/);
    assert.ok(!server.output().includes(unknown), 'the key never appears in full in the log');
    assert.deepEqual(childPids(server.pid, 'ffmpeg'), []);
  });

  test('a malformed path (unknown app, malformed key) is refused with no transcoder', async () => {
    // a connect to an unknown app gets _error NetConnection.Connect.Rejected
    assert.match(await expectRefused(server.rtmpUrl(server.demoKey, server.rtmpPort, 'vod')), /Server error: unknown application "vod": the server is rtmp:\/\/HOST\/cfx\/st/);
    assert.match(server.output(), /refused: unknown app "vod"/);
    assert.match(await expectRefused(server.rtmpUrl('not-a-key')), /Server error: malformed stream key/);
    assert.match(server.output(), /refused: malformed stream key/);
    assert.deepEqual(childPids(server.pid, 'ffmpeg'), []);
    assert.equal((await server.get('/live/demo/master.m3u8')).status, 404);
  });

  test('the /live/<key> alias publishes; a second publisher on a live channel is refused and the first keeps going', async () => {
    publishers.push(startPublisher(server.rtmpUrl(server.demoKey, server.rtmpPort, 'live')));
    await waitFor('the channel to go live', async () => (await server.get('/live/demo/master.m3u8')).status === 200, 20_000);
    const transcoders = transcoderPids(childPids(server.pid, 'ffmpeg'), server.dataDir, 'demo');
    assert.equal(transcoders.length, 1, 'one ffmpeg per live channel');

    assert.match(await expectRefused(server.rtmpUrl(server.demoKey)), /Server error: already publishing/);
    assert.match(server.output(), /refused: channel already has a publisher/);
    assert.deepEqual(transcoderPids(childPids(server.pid, 'ffmpeg'), server.dataDir, 'demo'), transcoders, 'no second transcoder');

    const sequence = async (): Promise<number> => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(await (await server.get('/live/demo/240p.m3u8')).text())?.[1]);
    const segments = async (): Promise<number> => (await (await server.get('/live/demo/240p.m3u8')).text()).split('\n').filter((l) => l.endsWith('.ts')).length;
    const before = (await sequence()) + (await segments());
    await waitFor('the first publisher to keep producing segments', async () => (await sequence()) + (await segments()) > before + 1, 15_000);
  });

  test('stream keys never appear in the origin output in full', () => {
    assert.ok(!server.output().replace(/Stream key:\s+sk_\S+/, '').includes(server.demoKey), 'only the start-up banner shows the demo key');
  });
});
