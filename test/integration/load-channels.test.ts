import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClip } from '../helpers/media.ts';
import { startClipPublisher, startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const HD = { width: 1280, height: 720, fps: 25 } as const;

/** A gauge of /metrics per channel. */
async function gauge(server: TestServer, name: string): Promise<Map<string, number>> {
  const text = await (await server.get('/metrics')).text();
  return new Map([...text.matchAll(new RegExp(`^${name}\\{channel="([^"]+)"\\} ([\\d.]+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])]));
}

const segmentCount = async (server: TestServer, channel: string): Promise<number> => {
  const res = await server.get(`/live/${channel}/240p.m3u8`);
  return res.ok ? (await res.text()).split('\n').filter((l) => l.endsWith('.ts')).length : 0;
};

describe('load: two channels published at once at 720p', () => {
  const started: Array<{ server: TestServer; publishers: Child[] }> = [];
  const clipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-load-'));
  after(async () => {
    for (const { server, publishers } of started) {
      await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
      await server.stop();
    }
    fs.rmSync(clipDir, { recursive: true, force: true });
  });

  test('both keep realtime (their speed is reported), or the second is refused with the reason', async (t) => {
    const server = await startServer();
    const publishers: Child[] = [];
    started.push({ server, publishers });
    const second = (await createChannel(server, 'second')).streamKey;
    // the publishers replay an encoded clip (no encoding of their own): on 2 cores, two live x264 publishers
    // would take most of a core from the transcoders being measured
    const clip = path.join(clipDir, 'hd.mp4');
    await makeClip(clip, { seconds: 10, ...HD });
    publishers.push(startClipPublisher(clip, server.rtmpUrl(server.demoKey)), startClipPublisher(clip, server.rtmpUrl(second)));
    await waitFor('both transcoders to be admitted and measured, or the second refused', async () => {
      if (/not enough CPU|at capacity/.test(server.output())) return true;
      const realtime = await gauge(server, 'boxoffice_transcoder_realtime');
      return realtime.size === 2;
    }, 40_000, 500);
    if (/not enough CPU|at capacity/.test(server.output())) {
      t.diagnostic(`the second channel was refused: ${/rtmp connection refused: (.*(?:not enough CPU|at capacity).*)/.exec(server.output())?.[1]}`);
      assert.ok((await segmentCount(server, 'demo')) > 0 || (await segmentCount(server, 'second')) > 0, 'the admitted channel plays');
      return;
    }
    // measured over a further 10 s window: both keep up with their publishers
    await new Promise((r) => setTimeout(r, 10_000));
    const realtime = await gauge(server, 'boxoffice_transcoder_realtime');
    const cores = await gauge(server, 'boxoffice_transcoder_cpu_cores');
    t.diagnostic(`two 720p25 channels on ${server.baseUrl}: realtime ${[...realtime].map(([c, r]) => `${c} ${r.toFixed(2)}×`).join(', ')}; CPU ${[...cores].map(([c, n]) => `${c} ${n.toFixed(2)} cores`).join(', ')}`);
    for (const channel of ['demo', 'second']) {
      assert.ok((realtime.get(channel) ?? 0) >= 0.95, `${channel} runs at ${realtime.get(channel)}× realtime`);
      assert.ok((await segmentCount(server, channel)) >= 3, `${channel} lists segments`);
    }
  });

  test('when the measured load leaves no room, a new channel is refused with a clear reason and the live one keeps playing', async () => {
    const server = await startServer({ LIVE_CPU_BUDGET: '0.05' });
    const publishers: Child[] = [];
    started.push({ server, publishers });
    const second = (await createChannel(server, 'second')).streamKey;
    publishers.push(startPublisher(server.rtmpUrl(server.demoKey), HD));
    await waitFor('the first transcoder to be measured', async () => (await gauge(server, 'boxoffice_transcoder_cpu_cores')).has('demo'), 30_000, 250);
    const late = startPublisher(server.rtmpUrl(second), HD);
    publishers.push(late);
    const line = await waitFor('the refusal', () => /rtmp connection refused: channel second: not enough CPU for another channel: 1 live transcoder\(s\) use [\d.]+ of 0\.05 cores \(LIVE_CPU_BUDGET\)[^\n]*/.exec(server.output())?.[0], 20_000);
    assert.ok(!line.includes('sk_') || /sk_[A-Za-z0-9_-]{0,6}…/.test(line), 'no stream key in full');
    assert.notEqual(await waitFor('the refused publisher to exit', () => late.proc.exitCode ?? undefined, 20_000), undefined);
    assert.equal((await server.get('/live/second/master.m3u8')).status, 404, 'no transcoder started for the refused channel');
    const firstSegments = (await (await server.get('/live/demo/240p.m3u8')).text()).split('\n').filter((l) => l.endsWith('.ts'));
    await waitFor('the live channel to keep listing new segments', async () => {
      const now = (await (await server.get('/live/demo/240p.m3u8')).text()).split('\n').filter((l) => l.endsWith('.ts'));
      return firstSegments.length > 0 && now.at(-1) !== firstSegments.at(-1);
    }, 15_000);
    // a wrong key is still counted as one, a refusal for capacity is not: the streamer may retry at once
    assert.doesNotMatch(server.output(), /publishes with unknown stream keys/);
  });
});
