import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { transcoderPids } from '../helpers/live-viewer.ts';
import { childPids, isAlive, startPublisher, type Child } from '../helpers/processes.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('live: the transcoder dies while the publisher is connected (recording off)', () => {
  let server: TestServer;
  let publisher: Child;

  before(async () => {
    server = await startServer({ LIVE_RECORD: 'false' });
    publisher = startPublisher(server.rtmpUrl(server.demoKey));
    await waitFor('the channel to go live', async () => (await server.get('/live/demo/master.m3u8')).status === 200, 20_000);
  });
  after(async () => {
    await publisher.kill('SIGKILL');
    if (isAlive(server.pid)) await server.stop();
  });

  test('SIGKILLed ffmpeg is restarted, logged with its stderr tail, and the playlist continues after a discontinuity', async () => {
    const transcoders = (): number[] => transcoderPids(childPids(server.pid, 'ffmpeg'), server.dataDir, 'demo');
    const [first] = transcoders();
    assert.ok(first, 'a transcoder runs');
    process.kill(first, 'SIGKILL');
    const second = await waitFor('a new transcoder', () => transcoders().find((p) => p !== first), 15_000);
    assert.notEqual(second, first);
    assert.match(server.output(), /transcoder exited while the publisher is connected .*"signal":"SIGKILL"/);
    assert.match(server.output(), /"stderr":/);
    await waitFor('segments of the new run after a discontinuity', async () => {
      const text = await (await server.get('/live/demo/240p.m3u8')).text();
      const tail = text.split('#EXT-X-DISCONTINUITY\n')[1];
      return tail !== undefined && tail.split('\n').filter((l) => l.endsWith('.ts')).length >= 2;
    }, 20_000);
    const metrics = await (await server.get('/metrics')).text();
    assert.match(metrics, /boxoffice_transcoder_restarts_total\{channel="demo"\} 1/);
    assert.match(metrics, /boxoffice_live_channel_state\{channel="demo",state="live"\} 1/);
    assert.ok(!fs.existsSync(path.join(server.dataDir, 'recordings')), 'LIVE_RECORD=false records nothing');
  });

  test('SIGTERM stops the origin and every ffmpeg it started', async () => {
    const transcoders = transcoderPids(childPids(server.pid, 'ffmpeg'), server.dataDir, 'demo');
    assert.equal(transcoders.length, 1);
    const code = await server.stop();
    assert.equal(code, 0);
    assert.ok(transcoders.every((pid) => !isAlive(pid)), 'no transcoder outlives the origin');
    assert.match(server.output(), /INFO stopped/);
  });
});
