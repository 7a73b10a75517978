import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runTs } from '../helpers/cli.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { percentile, runViewerSwarm } from '../helpers/viewers.ts';
import { waitFor } from '../helpers/wait.ts';

const VIEWERS = 300;
const SECONDS = 60;

describe(`load: ${VIEWERS} viewers with signed URLs follow a paid live channel for ${SECONDS} s`, () => {
  let server: TestServer;
  let publisher: Child;

  before(async () => {
    server = await startServer();
    const { streamKey } = await createChannel(server, 'crowd', { title: 'Crowd', priceCents: 500 });
    publisher = startPublisher(server.rtmpUrl(streamKey));
  });

  after(async () => {
    await publisher?.kill('SIGKILL');
    await server?.stop();
  });

  test('every playlist and segment request succeeds; p99 segment time and origin RSS are reported', async (t) => {
    const signed = await runTs('server/cli/main.ts', ['sign', `${server.baseUrl}/live/crowd/q/240p.m3u8`], { DATA_DIR: server.dataDir, PUBLIC_URL: server.baseUrl });
    const playlistUrl = signed.stdout.trim();
    assert.equal((await fetch(`${server.baseUrl}/live/crowd/q/240p.m3u8`)).status, 403, 'the channel is paid: unsigned requests are refused');
    await waitFor('the channel to list segments', async () => (await (await fetch(playlistUrl)).text()).includes('.ts?'), 30_000);

    const report = await runViewerSwarm({ viewers: VIEWERS, seconds: SECONDS, playlistUrl, reloadMs: 1000, originPid: server.pid });

    const p99 = percentile(report.segmentMs, 0.99);
    t.diagnostic(`${VIEWERS} viewers, ${SECONDS} s: ${report.requests} requests, ${report.failures.length} failed, ${report.segmentMs.length} segments, segment p50 ${percentile(report.segmentMs, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, origin RSS ${report.baselineRssMb.toFixed(0)} → peak ${report.peakRssMb.toFixed(0)} MB`);
    assert.deepEqual(report.failures.slice(0, 10), [], `${report.failures.length} requests failed`);
    // each viewer follows the live edge: about one new segment a second for the whole run
    assert.ok(report.segmentMs.length >= VIEWERS * SECONDS * 0.7, `only ${report.segmentMs.length} segments were fetched`);
    assert.ok(report.peakRssMb < 400, `origin RSS peaked at ${report.peakRssMb.toFixed(0)} MB`);
    assert.ok(!/uncaught|TypeError|RangeError/i.test(server.output()), 'the origin logged no crash');
  });
});
