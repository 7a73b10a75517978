import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAlive, rssMb, startPublisher, type Child } from '../helpers/processes.ts';
import { c0c1, connectCommand, handshake, message, MSG, amf0, openRaw, publishCommands, type RawConnection } from '../helpers/rtmp-raw.ts';
import { createChannel, startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** The handshake deadline the origin runs with here (RTMP_HANDSHAKE_TIMEOUT_SECONDS). */
const DEADLINE_MS = 2000;
/** How much the origin's resident memory may grow during one attack. */
const RSS_BUDGET_MB = 100;

/** A seeded PRNG (mulberry32), so a failure replays with the same bytes. */
function random(seed: number): (n: number) => Buffer {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = next() & 0xff;
    return b;
  };
}

/** Runs `attack` while sampling the origin's RSS; returns the peak growth in MB. */
async function rssGrowth(pid: number, attack: () => Promise<void>): Promise<number> {
  const base = rssMb(pid);
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  try {
    await attack();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssMb(pid)) - base;
}

describe('rtmp: hostile input while a channel is live', () => {
  let server: TestServer;
  let publisher: Child;
  const conns = new Set<RawConnection>();

  /**
   * Opens a raw connection that `after` is sure to close. Each attack comes from its own loopback address
   * (`from`), so the origin's per-address refusal windows of one attack do not hide the next one's log lines.
   */
  const open = async (port: number, from = '127.0.0.1'): Promise<RawConnection> => {
    const conn = await openRaw(port, from);
    conns.add(conn);
    return conn;
  };
  /** Lines the origin printed after `mark` (a length of its output). */
  const linesSince = (mark: number): string[] => server.output().slice(mark).split('\n').filter(Boolean);
  /** The 240p playlist's position: media sequence plus listed segments, and the newest segment's path. */
  const position = async (): Promise<{ at: number; newest: string }> => {
    const text = await (await server.get('/live/demo/240p.m3u8')).text();
    const segments = text.split('\n').filter((l) => l.endsWith('.ts'));
    const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1]);
    assert.ok(segments.length > 0 && Number.isFinite(seq), `a live media playlist: ${text.slice(0, 200)}`);
    return { at: seq + segments.length, newest: `/live/demo/${segments.at(-1)}` };
  };
  /** The channel gains a new segment, its newest segment answers 200, and the origin is alive and has not crashed. */
  const assertStillPlaying = async (): Promise<void> => {
    const start = await position();
    const next = await waitFor('the live playlist to gain a segment', async () => {
      const now = await position();
      return now.at > start.at && now;
    }, 10_000);
    const seg = await server.get(next.newest);
    assert.equal(seg.status, 200, `${next.newest} is served`);
    assert.ok((await seg.arrayBuffer()).byteLength > 0);
    assert.ok(isAlive(server.pid), 'the origin process is alive');
    assert.doesNotMatch(server.output(), /uncaught|unhandled|^\s+at .+:\d+:\d+\)?$/im, 'no uncaught exception or stack trace');
  };

  before(async () => {
    server = await startServer({ RTMP_HANDSHAKE_TIMEOUT_SECONDS: String(DEADLINE_MS / 1000) });
    publisher = startPublisher(server.rtmpUrl(server.demoKey), { fps: 10 });
    await waitFor('the demo channel to list two segments', async () => {
      const res = await server.get('/live/demo/240p.m3u8');
      return res.status === 200 && (await res.text()).split('\n').filter((l) => l.endsWith('.ts')).length >= 2;
    }, 30_000);
  });

  after(async () => {
    for (const c of conns) c.socket.destroy();
    await publisher?.kill('SIGKILL');
    await server?.stop();
  });

  test('random bytes (seeded, 1 B to 1 MB) on both ports: every connection closed by the origin, memory bounded', async () => {
    const bytes = random(0x5eed);
    const cases: Array<{ port: number; data: Buffer; afterHandshake: boolean }> = [];
    for (const port of [server.rtmpPort, server.httpPort]) {
      for (const size of [1, 64, 1537, 3073, 20_000, 1_000_000]) {
        cases.push({ port, data: bytes(size), afterHandshake: false });
        const rtmpFirst = bytes(size);
        rtmpFirst[0] = 0x03; // past the port's first-byte check into the RTMP parser
        cases.push({ port, data: rtmpFirst, afterHandshake: false });
      }
      for (const size of [13, 4096, 200_000]) cases.push({ port, data: bytes(size), afterHandshake: true });
    }
    const growth = await rssGrowth(server.pid, async () => {
      const closed = await Promise.all(
        cases.map(async ({ port, data, afterHandshake }) => {
          const conn = await open(port, '127.0.0.11');
          if (afterHandshake) await handshake(conn);
          conn.send(data);
          return conn.closedWithin(DEADLINE_MS + 3000);
        }),
      );
      const leftOpen = cases.filter((_, i) => !closed[i]).map((c) => `${c.data.length} B to ${c.port}${c.afterHandshake ? ' after a handshake' : ''}`);
      assert.deepEqual(leftOpen, [], 'connections the origin left open');
    });
    assert.ok(growth < RSS_BUDGET_MB, `RSS grew ${growth.toFixed(1)} MB`);
    await assertStillPlaying();
  });

  test('truncated handshakes (C0 only, C0 + part of C1, C0 + C1 without C2) are closed within the deadline', async () => {
    const started = Date.now();
    const closed = await Promise.all(
      [server.rtmpPort, server.httpPort].flatMap((port) =>
        [c0c1().subarray(0, 1), c0c1().subarray(0, 700), c0c1()].map(async (data) => {
          const conn = await open(port, '127.0.0.12');
          conn.send(data);
          return conn.closedWithin(DEADLINE_MS + 3000);
        }),
      ),
    );
    assert.deepEqual(closed, [true, true, true, true, true, true]);
    assert.ok(Date.now() - started >= DEADLINE_MS - 200, 'closed by the deadline, not at once');
    await assertStillPlaying();
  });

  test('a Set Chunk Size of 2^31-1 (or 0) is refused at once with its reason logged', async () => {
    for (const size of [0x7fffffff, 0]) {
      const mark = server.output().length;
      const conn = await open(server.rtmpPort, '127.0.0.13');
      await handshake(conn);
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(size);
      conn.send(Buffer.concat([message(2, MSG.SET_CHUNK_SIZE, 0, payload), connectCommand(server.rtmpPort)]));
      assert.equal(await conn.closedWithin(1000), true, `chunk size ${size}: closed at once, not by the deadline`);
      await waitFor('the refusal to be logged', () => linesSince(mark).some((l) => l.includes(`chunk size ${size} `)), 2000);
    }
    await assertStillPlaying();
  });

  test('a connect with a 4 MB AMF string, or claiming 16 MB on many chunk streams, is refused before it is buffered', async () => {
    const mark = server.output().length;
    const huge = message(3, MSG.INVOKE, 0, amf0('connect', 1, { app: 'cfx/st', tcUrl: 'rtmp://127.0.0.1/cfx/st' }, { long: 'x'.repeat(4 << 20) }));
    const claimed = Buffer.concat(Array.from({ length: 16 }, (_, i) => message(3 + i, MSG.INVOKE, 0, Buffer.alloc(1 << 20, 0x02), { length: 0xffffff, chunkSize: 1 << 20 })));
    const setChunk = Buffer.alloc(4);
    setChunk.writeUInt32BE(1 << 20);
    const growth = await rssGrowth(server.pid, async () => {
      const closed = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const conn = await open(i % 2 ? server.rtmpPort : server.httpPort, '127.0.0.14');
          await handshake(conn);
          // half the attackers first raise the chunk size so each claimed message arrives in one chunk
          conn.send(i % 4 < 2 ? huge : Buffer.concat([message(2, MSG.SET_CHUNK_SIZE, 0, setChunk), claimed]));
          return conn.closedWithin(1000);
        }),
      );
      assert.deepEqual(closed, Array(12).fill(true), 'each closed at once, not by the deadline');
    });
    assert.ok(growth < RSS_BUDGET_MB, `RSS grew ${growth.toFixed(1)} MB`);
    const refusals = linesSince(mark).filter((l) => l.includes('rtmp connection refused'));
    assert.ok(refusals.some((l) => /message of \d+ bytes/.test(l)), `the limit is the logged reason: ${refusals.join('\n')}`);
    await assertStillPlaying();
  });

  test('a flood of undecodable commands closes the connection and is not logged line by line', async () => {
    const mark = server.output().length;
    const conn = await open(server.rtmpPort, '127.0.0.15');
    await handshake(conn);
    conn.send(Buffer.concat(Array.from({ length: 2000 }, () => message(3, MSG.INVOKE, 0, Buffer.from([0xff])))));
    assert.equal(await conn.closedWithin(1000), true);
    await new Promise((r) => setTimeout(r, 200)); // let any log lines the flood caused arrive
    const lines = linesSince(mark);
    assert.ok(lines.length <= 2, `at most a line or two, got ${lines.length}: ${lines.slice(0, 3).join('\n')}`);
    await assertStillPlaying();
  });

  test('500 idle connections that never finish the handshake are closed by the deadline while the channel plays', async () => {
    const mark = server.output().length;
    const idle = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const conn = await open(i % 2 ? server.rtmpPort : server.httpPort, '127.0.0.16');
        if (i % 4 >= 2) conn.send(c0c1().subarray(0, 1 + 500)); // 0x03 and a third of C1
        return conn;
      }),
    );
    await assertStillPlaying();
    await waitFor('every idle connection to be closed by the origin', async () => {
      const results = await Promise.all(idle.map((c) => c.closedWithin(0)));
      return results.every(Boolean);
    }, DEADLINE_MS + 5000);
    const timeouts = linesSince(mark).filter((l) => /handshake/.test(l));
    assert.ok(timeouts.length <= 3, `handshake timeouts are summarised, not logged one by one (${timeouts.length} lines)`);
    await assertStillPlaying();
  });

  test('50 publishes a second with wrong keys: refused, rate-limited per IP, logged once per window; the live channel plays on', async () => {
    const spareKey = (await createChannel(server, 'spare', { title: 'Spare' })).streamKey;
    const before = await position();
    const mark = server.output().length;
    const bytes = random(0xbad);

    /** One publish attempt with `key`: whether it got past the gate (a handshake answer) and whether the origin closed it. */
    const attempt = async (key: string): Promise<{ answered: boolean; closed: boolean }> => {
      const conn = await open(server.rtmpPort);
      conn.send(c0c1());
      const answered = await conn.receive(3073, 2000).then(() => true, () => false);
      if (answered) conn.send(Buffer.concat([Buffer.alloc(1536), connectCommand(server.rtmpPort), publishCommands(key)]));
      return { answered, closed: await conn.closedWithin(3000) };
    };
    const attempts: Array<Promise<{ answered: boolean; closed: boolean }>> = [];
    const burstStart = Date.now();
    for (let i = 0; i < 150; i++) {
      attempts.push(attempt(`sk_${bytes(24).toString('base64url')}`));
      await new Promise((r) => setTimeout(r, 20));
    }
    const results = await Promise.all(attempts);
    assert.ok(results.every((r) => r.closed), 'every wrong-key publish is closed');
    const answered = results.filter((r) => r.answered).length;
    assert.ok(answered >= 10 && answered <= 15, `about 10 attempts reach the key check, the rest are closed before the handshake (${answered})`);
    const logged = linesSince(mark).filter((l) => /refused|stream key/.test(l));
    assert.ok(logged.length <= 3, `refusals are not logged one by one (${logged.length} lines in the burst)`);
    assert.ok(!server.output().includes(spareKey), 'no key in full in the log');

    const during = await attempt(spareKey);
    assert.deepEqual(during, { answered: false, closed: true }, 'inside the window even a correct key from that IP is closed before the handshake');
    const now = await position();
    assert.ok(now.at > before.at, 'the live channel kept gaining segments during the burst');
    await assertStillPlaying();

    const summary = await waitFor('the window summary', () => linesSince(mark).find((l) => l.includes('publishes with unknown stream keys')), 15_000);
    assert.match(summary, /rtmp: refused 151 publishes with unknown stream keys \(\d+ closed before the handshake\) from 127\.0\.0\.1 in the last 10 s/);
    assert.ok(Date.now() - burstStart >= 9000, 'the summary comes when the window ends');
    assert.equal(linesSince(mark).filter((l) => l.includes('publishes with unknown stream keys')).length, 1, 'one summary per window');

    const mark2 = server.output().length;
    const conn = await open(server.rtmpPort);
    await handshake(conn);
    conn.send(Buffer.concat([connectCommand(server.rtmpPort), publishCommands(spareKey)]));
    await waitFor('the correct key to publish again after the window', () => linesSince(mark2).some((l) => /publish started .*"channel":"spare"/.test(l)), 3000);
    assert.equal(await conn.closedWithin(500), false, 'the accepted publish stays connected');
    conn.socket.destroy();
    await assertStillPlaying();
  });
});
