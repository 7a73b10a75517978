import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runTs } from '../helpers/cli.ts';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);

/** Applies HLS variable substitution as a player does: QUERYPARAM values come from the playlist's own URL. */
function substitute(playlist: string, playlistUrl: string): string[] {
  const query = new URL(playlistUrl).searchParams;
  const vars = new Map<string, string>();
  for (const m of playlist.matchAll(/^#EXT-X-DEFINE:QUERYPARAM="([^"]+)"$/gm)) {
    const value = query.get(m[1]!);
    assert.ok(value !== null, `${m[1]} is defined from the query, so the URL must carry it`);
    vars.set(m[1]!, value);
  }
  return playlist
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((uri) => new URL(uri.replace(/\{\$([A-Za-z0-9_-]+)\}/g, (_, name: string) => vars.get(name) ?? `{$${name}}`), playlistUrl).href);
}

describe('paid live channel: signed playback end to end', () => {
  let server: TestServer;
  let publisher: Child;
  let streamKey: string;

  before(async () => {
    server = await startServer();
    streamKey = (await createChannel(server, 'paid', { title: 'Paid show', priceCents: 500 })).streamKey;
    publisher = startPublisher(server.rtmpUrl(streamKey));
    await waitFor('the paid channel to go live', async () => /state="live"/.test(await (await server.get('/metrics')).text()), 20_000);
  });
  after(async () => {
    await publisher.kill('SIGKILL');
    await server.stop();
  });

  const sign = async (url: string, hours = '2'): Promise<string> => {
    const res = await runTs('server/cli/main.ts', ['sign', url, '--hours', hours], { DATA_DIR: server.dataDir, PUBLIC_URL: server.baseUrl });
    assert.equal(res.code, 0, res.stderr);
    return res.stdout.trim();
  };

  test('a player walking the signed master (variable substitution) gets every file; without the signature every one is 403', async () => {
    const master = await sign(`${server.baseUrl}/live/paid/q/master.m3u8`);
    await waitFor('two segments per rung', async () => {
      const media = substitute(await (await fetch(master)).text(), master);
      const lists = await Promise.all(media.map(async (u) => (await fetch(u)).text()));
      return lists.every((l) => (l.match(/\.ts\?/g) ?? []).length >= 2);
    }, 20_000);

    const masterRes = await fetch(master);
    assert.equal(masterRes.status, 200);
    const masterText = await masterRes.text();
    assert.match(masterText, /^#EXT-X-DEFINE:QUERYPARAM="Policy"$/m);
    const mediaUrls = substitute(masterText, master);
    assert.equal(mediaUrls.length, 3);
    const requested: string[] = [master];
    for (const mediaUrl of mediaUrls) {
      const media = await fetch(mediaUrl);
      assert.equal(media.status, 200, mediaUrl);
      const segments = substitute(await media.text(), mediaUrl);
      assert.ok(segments.length >= 2);
      requested.push(mediaUrl);
      for (const seg of segments) {
        const res = await fetch(seg);
        assert.equal(res.status, 200, seg);
        assert.equal(Buffer.from(await res.arrayBuffer())[0], 0x47);
        requested.push(seg);
      }
    }
    for (const url of requested) {
      const bare = await fetch(url.split('?')[0]!);
      assert.equal(bare.status, 403, `${url.split('?')[0]} without a signature`);
      assert.equal(bare.headers.get('content-type'), 'text/xml');
      assert.match(await bare.text(), /^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>MissingKey<\/Code>/);
    }
    const plain = await fetch(`${server.baseUrl}/live/paid/master.m3u8`);
    assert.equal(plain.status, 403, 'the cookie playlist of a paid channel needs a signature too');
  });

  test('playlist bodies are identical for two viewers with different signatures', async () => {
    const [a, b] = [await sign(`${server.baseUrl}/live/paid/q/master.m3u8`, '1'), await sign(`${server.baseUrl}/live/paid/q/master.m3u8`, '3')];
    assert.notEqual(a, b);
    assert.equal(await (await fetch(a)).text(), await (await fetch(b)).text());
    const [mediaA, mediaB] = [substitute(await (await fetch(a)).text(), a)[0]!, substitute(await (await fetch(b)).text(), b)[0]!];
    assert.notEqual(mediaA, mediaB);
    await waitFor('both viewers to read the same media playlist version', async () => {
      const [x, y] = await Promise.all([fetch(mediaA), fetch(mediaB)]);
      return x.headers.get('etag') === y.headers.get('etag') && (await x.text()) === (await y.text());
    });
  });

  test('a free channel needs no signature and its plain playlist parses without a query', async () => {
    const res = await server.get('/live/demo/master.m3u8');
    assert.equal(res.status, 404, 'not on air, but not refused');
    assert.equal(((await res.json()) as { error: string }).error, 'offline');
  });

  test('RTMP play of the paid channel works with a signed stream name and is refused without', async () => {
    const signed = await sign(`rtmp://127.0.0.1:${server.rtmpPort}/cfx/st/paid`);
    const probe = (url: string) => exec('ffprobe', ['-v', 'error', '-rw_timeout', '8000000', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', url], { timeout: 15_000 });
    const { stdout } = await probe(signed);
    assert.match(stdout, /video/);
    await assert.rejects(probe(`rtmp://127.0.0.1:${server.rtmpPort}/cfx/st/paid`));
    assert.match(server.output(), /refused: paid channel, signature refused: MissingKey/);
    const tampered = signed.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`);
    await assert.rejects(probe(tampered));
    assert.match(server.output(), /refused: paid channel, signature refused: AccessDenied/);
  });
});
