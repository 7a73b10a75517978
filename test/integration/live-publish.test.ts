import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { startPublisher, type Child } from '../helpers/processes.ts';
import { probeVideo } from '../helpers/probe.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const RUNGS = [
  { name: '240p', width: 320, height: 240 },
  { name: '180p', width: 240, height: 180 },
  { name: '120p', width: 160, height: 120 },
];

/** Segment paths listed by a media playlist, as absolute paths on the origin. */
function listed(playlist: string): string[] {
  return playlist.split('\n').filter((l) => l.endsWith('.ts')).map((uri) => `/live/demo/${uri}`);
}

describe('live: OBS-style publish to a multi-rung HLS origin', () => {
  let server: TestServer;
  const publishers: Child[] = [];
  const seen = new Set<string>();
  const misses: string[] = [];
  let watching = true;
  let watcher: Promise<void>;

  before(async () => {
    server = await startServer();
    // a viewer that follows every rung and fetches each newly listed segment at once, for the whole suite
    watcher = (async () => {
      while (watching) {
        for (const { name } of RUNGS) {
          const res = await server.get(`/live/demo/${name}.m3u8`).catch(() => undefined);
          if (res?.status !== 200) continue;
          for (const p of listed(await res.text())) {
            if (seen.has(p)) continue;
            seen.add(p);
            const seg = await server.get(p);
            if (seg.status !== 200) misses.push(`${p}: ${seg.status}`);
            await seg.arrayBuffer();
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  });

  after(async () => {
    watching = false;
    await watcher.catch(() => undefined);
    await Promise.all(publishers.map((p) => p.kill('SIGKILL')));
    await server.stop();
  });

  test('a publish on a dedicated RTMP port gives a master with every rung and its attributes', async () => {
    publishers.push(startPublisher(server.rtmpUrl(server.demoKey)));
    const master = await waitFor('the master playlist', async () => {
      const res = await server.get('/live/demo/master.m3u8');
      return res.status === 200 && res.text();
    });
    const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    assert.equal(variants.length, 3);
    RUNGS.forEach((r, i) => {
      const v = variants[i]!;
      assert.match(v, new RegExp(`RESOLUTION=${r.width}x${r.height}`));
      assert.match(v, /BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+/);
      assert.match(v, /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
      assert.match(v, /FRAME-RATE=15\.000/);
    });
    assert.ok(master.includes('#EXT-X-INDEPENDENT-SEGMENTS'));
  });

  test('each rung decodes at its advertised size and keyframes align across rungs', async () => {
    const playlists = await waitFor('three segments in every rung', async () => {
      const texts = await Promise.all(RUNGS.map(async (r) => (await server.get(`/live/demo/${r.name}.m3u8`)).text()));
      return texts.every((t) => listed(t).length >= 3) && texts;
    }, 30_000);
    const sequences = playlists.map((t) => /#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(t)![1]);
    assert.equal(new Set(sequences).size, 1, 'the same media sequence in every rung');
    const firstPts: number[] = [];
    for (const [i, rung] of RUNGS.entries()) {
      const segPath = listed(playlists[i]!)[1]!;
      const info = await probeVideo(`${server.baseUrl}${segPath}`);
      assert.deepEqual([info.width, info.height], [rung.width, rung.height], `${segPath} decodes at its advertised size`);
      firstPts.push(info.firstPts);
    }
    assert.equal(new Set(firstPts).size, 1, `segment N starts at the same video timestamp in every rung: ${firstPts.join(', ')}`);
  });

  test('HTTP: MIME types, cache headers, ETag/304, gzip, byte ranges and CORS', async () => {
    const master = await server.get('/live/demo/master.m3u8');
    assert.equal(master.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.match(master.headers.get('cache-control')!, /max-age=[1-9]\b/);
    assert.equal(master.headers.get('access-control-allow-origin'), '*');
    const etag = master.headers.get('etag')!;
    assert.equal((await server.get('/live/demo/master.m3u8', { 'if-none-match': etag })).status, 304);

    const media = await server.get('/live/demo/240p.m3u8');
    assert.equal(media.headers.get('cache-control'), 'public, max-age=0', 'live media playlists: at most half a 1 s segment');
    const plain = await media.text();

    const zipped = await new Promise<{ encoding: string | undefined; body: string }>((resolve, reject) => {
      // fetch would decompress transparently; read the raw bytes with node's http instead
      import('node:http').then(({ get }) =>
        get(`${server.baseUrl}/live/demo/master.m3u8`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: zlib.gunzipSync(Buffer.concat(chunks)).toString() }));
        }).on('error', reject),
      );
    });
    assert.equal(zipped.encoding, 'gzip');
    assert.match(zipped.body, /^#EXTM3U/);

    const segPath = listed(plain)[0]!;
    const seg = await server.get(segPath);
    assert.equal(seg.status, 200);
    assert.equal(seg.headers.get('content-type'), 'video/mp2t');
    assert.equal(seg.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const full = Buffer.from(await seg.arrayBuffer());
    assert.equal(full[0], 0x47, 'an MPEG-TS sync byte');
    const part = await server.get(segPath, { range: 'bytes=188-375' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 188-375/${full.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), full.subarray(188, 376));
    assert.equal((await server.get(segPath, { range: `bytes=${full.length}-` })).status, 416);
    assert.equal((await server.get(segPath, { 'if-none-match': seg.headers.get('etag')! })).status, 304);
  });

  test('a reconnect on the shared HTTP/RTMP port within the grace period continues the same playlist with a discontinuity', async () => {
    const masterBefore = (await server.get('/live/demo/master.m3u8')).headers.get('etag');
    await publishers[0]!.kill('SIGKILL'); // the encoder drops without a clean unpublish
    publishers.push(startPublisher(server.rtmpUrl(server.demoKey, server.httpPort)));
    const playlist = await waitFor('a discontinuity followed by a segment of the new run', async () => {
      const text = await (await server.get('/live/demo/240p.m3u8')).text();
      const after = text.split('#EXT-X-DISCONTINUITY\n')[1];
      return after !== undefined && listed(after).length >= 1 && text;
    }, 30_000);
    assert.ok(!playlist.includes('#EXT-X-ENDLIST'));
    const runs = new Set(listed(playlist).map((p) => p.split('/')[3]));
    assert.equal(runs.size, 2, 'each publish writes to its own folder');
    const master = await server.get('/live/demo/master.m3u8');
    assert.equal(master.status, 200);
    assert.equal(master.headers.get('etag'), masterBefore, 'the same master keeps playing');
  });

  test('after the grace period the playlists end with ENDLIST and every listed segment is still served', async () => {
    await publishers[1]!.kill('SIGKILL');
    await waitFor('ENDLIST in every rung', async () => {
      const texts = await Promise.all(RUNGS.map(async (r) => (await server.get(`/live/demo/${r.name}.m3u8`)).text()));
      return texts.every((t) => t.trimEnd().endsWith('#EXT-X-ENDLIST'));
    }, 20_000);
    assert.ok(seen.size >= 9, `the viewer saw segments (${seen.size})`);
    assert.deepEqual(misses, [], 'no listed segment was ever refused to the viewer');
    for (const p of seen) assert.equal((await server.get(p)).status, 200, `${p} is still served after it was listed`);
  });
});
