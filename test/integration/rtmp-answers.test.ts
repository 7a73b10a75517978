import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { childPids } from '../helpers/processes.ts';
import { connectCommand, handshake, message, openRaw, publishCommands, type RawConnection } from '../helpers/rtmp-raw.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** A raw RTMP client that has connected (app `app`) and asked to publish `name`. */
async function publishRaw(server: TestServer, name: string, app = 'cfx/st'): Promise<RawConnection> {
  const conn = await openRaw(server.rtmpPort);
  await handshake(conn);
  conn.send(connectCommand(server.rtmpPort, { app }));
  conn.send(publishCommands(name));
  return conn;
}

describe('RTMP: what the server answers a publisher', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  test('an unknown key gets onStatus NetStream.Publish.BadName with the reason, never Publish.Start, then the close', async () => {
    const conn = await publishRaw(server, 'sk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
    assert.ok(await conn.closedWithin(5000), 'the server closes the connection');
    const answer = conn.text();
    assert.match(answer, /onStatus[\s\S]*level[\s\S]*error[\s\S]*NetStream\.Publish\.BadName[\s\S]*unknown stream key/);
    assert.doesNotMatch(answer, /NetStream\.Publish\.Start/, 'a client must never believe it is live');
    assert.doesNotMatch(answer, /sk_BBBB/, 'the answer does not echo the key');
  });

  test('a connect to an unknown app gets _error NetConnection.Connect.Rejected and no Connect.Success', async () => {
    const conn = await publishRaw(server, server.demoKey, 'vod');
    assert.ok(await conn.closedWithin(5000));
    assert.match(conn.text(), /_error[\s\S]*NetConnection\.Connect\.Rejected[\s\S]*unknown application "vod"/);
    assert.doesNotMatch(conn.text(), /Connect\.Success/);
  });

  test('the key in the server field with an empty key field publishes (app cfx/st/<key>)', async () => {
    const conn = await publishRaw(server, '', `cfx/st/${server.demoKey}`);
    await waitFor('Publish.Start', () => conn.text().includes('NetStream.Publish.Start'), 5000);
    conn.socket.destroy();
    await waitFor('the publish to end', () => server.output().includes('publish ended'), 5000);
  });

  test('Enhanced RTMP (HEVC by FourCC) is refused with the codec named, in the log and the admin API', async () => {
    const conn = await publishRaw(server, server.demoKey);
    await waitFor('Publish.Start', () => conn.text().includes('NetStream.Publish.Start'), 5000);
    // an ex-header video tag: keyframe + SequenceStart, FourCC hvc1 (what OBS 30 sends for HEVC)
    const hevc = Buffer.concat([Buffer.from([0x90]), Buffer.from('hvc1'), Buffer.alloc(16)]);
    conn.send(message(6, 9, 1, hevc, { chunkSize: 60000 }));
    conn.send(message(6, 9, 1, hevc));
    assert.ok(await conn.closedWithin(5000), 'the publish is closed');
    assert.match(conn.text(), /NetStream\.Publish\.Rejected[\s\S]*Enhanced RTMP video \(HEVC\) is not supported/);
    assert.match(server.output(), /rtmp connection refused: Enhanced RTMP video \(HEVC\) is not supported: set the encoder to H\.264/);
    const res = await fetch(`${server.baseUrl}/api/admin/channels`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    const { channels } = (await res.json()) as { channels: Array<{ id: string; online: boolean; lastRefusal?: { reason: string; at: string } }> };
    const demo = channels.find((c) => c.id === 'demo')!;
    assert.match(demo.lastRefusal?.reason ?? '', /Enhanced RTMP video \(HEVC\)/);
    assert.ok(Date.parse(demo.lastRefusal!.at) > Date.now() - 60_000);
    assert.deepEqual(childPids(server.pid, 'ffmpeg'), [], 'no transcoder runs for it');
  });
});
