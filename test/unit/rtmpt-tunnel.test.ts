import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RtmpTransport } from '../../server/ingest/rtmp-server.ts';
import { isRtmptRequest, nextPollInterval, parseRtmptPath, POLL_INTERVAL_MAX, pollAnswer } from '../../server/ingest/rtmpt-protocol.ts';
import { RtmptSocket } from '../../server/ingest/rtmpt-socket.ts';
import { createRtmptTunnel, RTMPT_LIMITS, type RtmptTunnel, type RtmptTunnelDeps } from '../../server/ingest/rtmpt-tunnel.ts';
import type { Logger } from '../../server/log.ts';
import { waitFor } from '../helpers/wait.ts';

/** A transport the fake ingest was given, with what it received and whether it closed (and how often). */
interface Seen {
  readonly socket: RtmpTransport;
  received: Buffer;
  closes: number;
}

/** An ingest that records its transports; `onData` lets a test answer bytes as they arrive. */
function fakeIngest(onData?: (socket: RtmpTransport, data: Buffer) => void) {
  const seen: Seen[] = [];
  return {
    seen,
    handleSocket(socket: RtmpTransport) {
      const s: Seen = { socket, received: Buffer.alloc(0), closes: 0 };
      seen.push(s);
      socket.on('data', (d: Buffer) => {
        s.received = Buffer.concat([s.received, d]);
        onData?.(socket, d);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => s.closes++);
    },
  };
}

/** A logger that keeps its lines. */
function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log: Logger & { lines: string[] } = {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    child: () => log,
  };
  return log;
}

/** A real HTTP server on 127.0.0.1 that sends RTMPT POSTs to a tunnel and answers anything else 418. */
async function serve(options: Partial<RtmptTunnelDeps> = {}, onData?: (socket: RtmpTransport, data: Buffer) => void) {
  const ingest = fakeIngest(onData);
  const log = recordingLog();
  const tunnel: RtmptTunnel = createRtmptTunnel({ ingest, log, idleTimeoutMs: 10_000, trustProxy: false, ...options });
  const server = http.createServer((req, res) => {
    if (tunnel.isRtmptRequest(req.method, req.url)) tunnel.handle(req, res);
    else res.writeHead(418).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const post = async (path: string, body: Buffer | string = Buffer.from([0]), headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/x-fcs', ...headers } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const open = async (headers: Record<string, string> = {}): Promise<string> => {
    const res = await post('/open/1', Buffer.from([0]), headers);
    assert.equal(res.status, 200);
    return res.body.toString().trimEnd();
  };
  return {
    ingest, log, tunnel, port, post, open,
    close: async () => {
      tunnel.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

type Harness = Awaited<ReturnType<typeof serve>>;

describe('rtmpt protocol (pure)', () => {
  test('paths: open, send/idle/close with an id and any non-negative seq, the FCS probe; anything else is not RTMPT', () => {
    assert.deepEqual(parseRtmptPath('/open/1'), { command: 'open' });
    assert.deepEqual(parseRtmptPath('/send/abc_-9/0'), { command: 'send', id: 'abc_-9', seq: 0 });
    assert.deepEqual(parseRtmptPath('/idle/abc/123456'), { command: 'idle', id: 'abc', seq: 123456 });
    assert.deepEqual(parseRtmptPath('/close/abc/7?x=1'), { command: 'close', id: 'abc', seq: 7 });
    assert.deepEqual(parseRtmptPath('/fcs/ident2'), { command: 'ident' });
    for (const bad of ['/send/abc', '/send/abc/-1', '/send/a.b/1', '/send/abc/1/2', `/idle/${'a'.repeat(65)}/1`, '/open/', '/open/x', '/fcs/other']) {
      assert.equal(parseRtmptPath(bad), undefined, bad);
    }
    assert.equal(isRtmptRequest('POST', '/send/abc/1'), true);
    assert.equal(isRtmptRequest('POST', '/fcs/ident2'), true);
    assert.equal(isRtmptRequest('GET', '/open/1'), false, 'only POSTs');
    assert.equal(isRtmptRequest('POST', '/api/checkout'), false);
    assert.equal(isRtmptRequest('POST', '/opener/1'), false);
    assert.equal(isRtmptRequest('POST', undefined), false);
  });

  test('the polling interval: 1 with data, one more per empty answer up to 0x21', () => {
    assert.equal(nextPollInterval(9, true), 1);
    assert.equal(nextPollInterval(1, false), 2);
    assert.equal(nextPollInterval(POLL_INTERVAL_MAX, false), 0x21);
    assert.deepEqual(pollAnswer(5, Buffer.from('ab')), Buffer.from([5, 0x61, 0x62]));
  });
});

describe('rtmpt socket', () => {
  test('setTimeout: fires once after inactivity, is reset by reads and writes, and 0 disables it', async () => {
    const socket = new RtmptSocket({ remoteAddress: '192.0.2.1', remotePort: 1, maxQueuedBytes: 1024 });
    socket.on('data', () => undefined);
    let fired = 0;
    socket.setTimeout(150, () => fired++);
    // activity every 40 ms for 400 ms keeps it from firing
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 40));
      if (i % 2) socket.deliver(Buffer.from('x'));
      else socket.write(Buffer.from('y'));
    }
    assert.equal(fired, 0, 'activity resets the timer');
    await waitFor('the idle callback', () => fired === 1, 2000, 10);
    socket.setTimeout(0);
    assert.equal(socket.destroyed, false, 'a timeout only reports, like net.Socket');
    socket.destroy();
  });

  test('end() closes it once; the queued bytes stay drainable; writes are queued in order', async () => {
    const socket = new RtmptSocket({ remoteAddress: '192.0.2.1', remotePort: 1, maxQueuedBytes: 1024 });
    let closes = 0;
    socket.on('close', () => closes++);
    socket.write(Buffer.from('ab'));
    socket.write(Buffer.from('cd'));
    socket.end();
    await waitFor('close', () => closes === 1);
    socket.destroy();
    await new Promise((r) => setImmediate(r));
    assert.equal(closes, 1, "'close' exactly once");
    assert.equal(socket.destroyed, true);
    assert.equal(socket.drainQueue().toString(), 'abcd');
    assert.equal(socket.drainQueue().length, 0);
  });
});

describe('rtmpt tunnel over a real HTTP server', () => {
  let h: Harness;
  before(async () => {
    h = await serve();
  });
  after(async () => {
    await h.close();
  });

  test('open answers an unguessable id as x-fcs, no-cache; each session is a transport for the ingest', async () => {
    const res = await h.post('/open/1');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-fcs');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('content-length'), String(res.body.length));
    assert.match(res.body.toString(), /^[A-Za-z0-9_-]{22}\n$/, '128 random bits, base64url, newline');
    const other = await h.open();
    assert.notEqual(other, res.body.toString().trimEnd());
    const last = h.ingest.seen.at(-1)!;
    assert.equal(last.socket.remoteAddress, '127.0.0.1', 'the TCP peer, without ::ffff:');
    assert.equal(typeof last.socket.remotePort, 'number');
  });

  test('send delivers the body as data; what the ingest writes comes in the next answer after the interval byte, once', async () => {
    const id = await h.open();
    const seen = h.ingest.seen.at(-1)!;
    const sent = await h.post(`/send/${id}/1`, Buffer.from('C0C1'));
    assert.equal(sent.status, 200);
    assert.equal(sent.headers.get('content-type'), 'application/x-fcs');
    assert.equal(seen.received.toString(), 'C0C1');
    assert.deepEqual(sent.body, Buffer.from([2]), 'nothing queued: only the interval byte');
    seen.socket.write(Buffer.from('S0S1'));
    seen.socket.write(Buffer.from('S2'));
    const polled = await h.post(`/idle/${id}/2`);
    assert.equal(polled.status, 200);
    assert.equal(polled.body[0], 1, 'data: interval 1');
    assert.equal(polled.body.subarray(1).toString(), 'S0S1S2');
    const again = await h.post(`/idle/${id}/3`);
    assert.deepEqual(again.body, Buffer.from([2]), 'the queue was emptied');
    assert.equal(seen.received.toString(), 'C0C1', 'idle bodies are not RTMP bytes');
  });

  test('the polling interval grows by one per empty answer up to 0x21 and resets with data', async () => {
    const id = await h.open();
    const intervals: number[] = [];
    for (let i = 0; i < 36; i++) intervals.push((await h.post(`/idle/${id}/${i}`)).body[0]!);
    assert.deepEqual(intervals, Array.from({ length: 36 }, (_, i) => Math.min(i + 2, 0x21)));
    h.ingest.seen.at(-1)!.socket.write(Buffer.from('x'));
    assert.deepEqual((await h.post(`/idle/${id}/99`)).body, Buffer.from([1, 0x78]));
    assert.equal((await h.post(`/idle/${id}/100`)).body[0], 2);
  });

  test('unknown ids, malformed paths and the FCS probe answer 404; other methods are not RTMPT', async () => {
    assert.equal((await h.post('/idle/AAAAAAAAAAAAAAAAAAAAAA/1')).status, 404);
    assert.equal((await h.post('/send/AAAAAAAAAAAAAAAAAAAAAA/1', Buffer.alloc(100))).status, 404);
    assert.equal((await h.post('/send/not/a/path')).status, 404);
    assert.equal((await h.post('/fcs/ident2')).status, 404);
    const res = await fetch(`http://127.0.0.1:${h.port}/open/1`);
    assert.equal(res.status, 418, 'a GET is left to the rest of the app');
  });

  test('close answers one byte, closes the transport once, and the id answers 404 afterwards', async () => {
    const before = h.tunnel.sessions();
    const id = await h.open();
    const seen = h.ingest.seen.at(-1)!;
    assert.equal(h.tunnel.sessions(), before + 1);
    const closed = await h.post(`/close/${id}/5`);
    assert.equal(closed.status, 200);
    assert.equal(closed.body.length, 1);
    await waitFor('the transport to close', () => seen.closes === 1);
    assert.equal(seen.socket.destroyed, true);
    assert.equal((await h.post(`/idle/${id}/6`)).status, 404);
    assert.equal(h.tunnel.sessions(), before);
  });

  test('replies the ingest writes while handling a send come back in the answer to that send', async () => {
    const echo = await serve({}, (socket, data) => void socket.write(Buffer.concat([Buffer.from('re:'), data])));
    try {
      const id = await echo.open();
      const res = await echo.post(`/send/${id}/1`, Buffer.from('hello'));
      assert.deepEqual(res.body, Buffer.concat([Buffer.from([1]), Buffer.from('re:hello')]));
    } finally {
      await echo.close();
    }
    // a reply decided a tick later (the ingest's own deferrals) still rides on the same answer
    const later = await serve({}, (socket, data) => process.nextTick(() => socket.write(Buffer.concat([Buffer.from('later:'), data]))));
    try {
      const id = await later.open();
      const res = await later.post(`/send/${id}/1`, Buffer.from('hi'));
      assert.deepEqual(res.body, Buffer.concat([Buffer.from([1]), Buffer.from('later:hi')]));
    } finally {
      await later.close();
    }
  });
});

describe('rtmpt tunnel: lifetimes and bounds', () => {
  test('a session that stops polling is closed after the idle timeout, logged once, and then answers 404', async () => {
    const h = await serve({ idleTimeoutMs: 300 });
    try {
      const id = await h.open();
      const polling = await h.open();
      const seen = h.ingest.seen[0]!;
      // the other session keeps polling every 100 ms for 700 ms and stays open
      for (let i = 0; i < 7; i++) {
        assert.equal((await h.post(`/idle/${polling}/${i}`)).status, 200);
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor('the idle session to be destroyed', () => seen.closes === 1, 3000, 20);
      assert.equal(seen.socket.destroyed, true);
      assert.equal((await h.post(`/idle/${id}/1`)).status, 404);
      assert.equal(h.ingest.seen[1]!.socket.destroyed, false, 'a polling session is not idle');
      assert.equal(h.log.lines.filter((l) => l === 'info rtmpt session closed: no request for 0.3 s').length, 1);
      assert.equal(h.tunnel.sessions(), 1);
    } finally {
      await h.close();
    }
  });

  test("an ended transport's last bytes are delivered on the next poll, once; then 404", async () => {
    const h = await serve();
    try {
      const id = await h.open();
      const seen = h.ingest.seen[0]!;
      seen.socket.write(Buffer.from('_error'));
      seen.socket.end();
      await waitFor('the ingest to see the close', () => seen.closes === 1);
      assert.equal(h.tunnel.sessions(), 1, 'kept until its bytes are taken');
      const last = await h.post(`/send/${id}/1`, Buffer.from('ignored'));
      assert.equal(last.status, 200);
      assert.deepEqual(last.body, Buffer.concat([Buffer.from([1]), Buffer.from('_error')]));
      assert.equal(seen.received.length, 0, 'bytes after the close are not delivered');
      assert.equal((await h.post(`/idle/${id}/2`)).status, 404);
      assert.equal(h.tunnel.sessions(), 0);
      // an ending with nothing queued frees the session at once
      const id2 = await h.open();
      h.ingest.seen[1]!.socket.end();
      await waitFor('the empty session to go', () => h.tunnel.sessions() === 0);
      assert.equal((await h.post(`/idle/${id2}/1`)).status, 404);
    } finally {
      await h.close();
    }
  });

  test('an ended transport whose client never polls again is freed after the idle timeout', async () => {
    const h = await serve({ idleTimeoutMs: 300 });
    try {
      await h.open();
      h.ingest.seen[0]!.socket.write(Buffer.from('_error'));
      h.ingest.seen[0]!.socket.destroy();
      assert.equal(h.tunnel.sessions(), 1);
      await waitFor('the draining session to be freed', () => h.tunnel.sessions() === 0, 3000, 20);
      assert.ok(!h.log.lines.some((l) => l.includes('no request')), 'the ingest already said why it closed');
    } finally {
      await h.close();
    }
  });

  test('a body over the limit gets 413 and closes its session (Content-Length or chunked)', async () => {
    const h = await serve({ maxBodyBytes: 1024 });
    try {
      const id = await h.open();
      assert.equal((await h.post(`/send/${id}/1`, Buffer.alloc(1024, 1))).status, 200, 'at the limit is fine');
      assert.equal(h.ingest.seen[0]!.received.length, 1024);
      assert.equal((await h.post(`/send/${id}/2`, Buffer.alloc(1025))).status, 413);
      assert.equal(h.ingest.seen[0]!.socket.destroyed, true);
      assert.equal((await h.post(`/idle/${id}/3`)).status, 404);

      const id2 = await h.open();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: h.port, method: 'POST', path: `/send/${id2}/1` }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        for (let i = 0; i < 4; i++) req.write(Buffer.alloc(400)); // chunked: no Content-Length to check first
        req.end();
      });
      assert.equal(status, 413);
      assert.equal(h.ingest.seen[1]!.socket.destroyed, true);
      assert.ok(h.ingest.seen[1]!.received.length === 0, 'nothing of an oversized body is delivered');
      assert.equal(h.log.lines.filter((l) => l.includes('a request body over 1024 bytes')).length, 2);
    } finally {
      await h.close();
    }
  });

  test('a client that lets more than maxQueuedBytes pile up is closed', async () => {
    const h = await serve({ maxQueuedBytes: 1000 });
    try {
      const id = await h.open();
      const seen = h.ingest.seen[0]!;
      seen.socket.write(Buffer.alloc(600));
      assert.equal((await h.post(`/idle/${id}/1`)).body.length, 601, 'under the limit: delivered');
      seen.socket.write(Buffer.alloc(600));
      seen.socket.write(Buffer.alloc(600));
      await waitFor('the transport to close', () => seen.closes === 1);
      assert.equal((await h.post(`/idle/${id}/2`)).status, 404, 'the queue is dropped with the session');
      assert.ok(h.log.lines.some((l) => l.startsWith('warn rtmpt session closed: more than 1000 bytes queued')));
    } finally {
      await h.close();
    }
  });

  test('sessions are limited (503), and stop() closes them all and refuses new ones', async () => {
    assert.deepEqual(RTMPT_LIMITS, { maxSessions: 2000, maxBodyBytes: 4 * 1024 * 1024, maxQueuedBytes: 16 * 1024 * 1024 });
    const h = await serve({ maxSessions: 2 });
    try {
      await h.open();
      await h.open();
      assert.equal((await h.post('/open/1')).status, 503);
      assert.equal(h.ingest.seen.length, 2, 'the refused open never reached the ingest');
      h.tunnel.stop();
      await waitFor('every transport to close', () => h.ingest.seen.every((s) => s.closes === 1));
      assert.equal(h.tunnel.sessions(), 0);
      assert.equal((await h.post('/open/1')).status, 503);
    } finally {
      await h.close();
    }
  });

  test('an open the ingest refuses at once (a blocked address) answers 403 and keeps no session', async () => {
    const log = recordingLog();
    const tunnel = createRtmptTunnel({ ingest: { handleSocket: (s) => void s.destroy() }, log, idleTimeoutMs: 10_000, trustProxy: false });
    const server = http.createServer((req, res) => tunnel.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/open/1`, { method: 'POST', body: new Uint8Array([0]) });
      assert.equal(res.status, 403);
      assert.equal(tunnel.sessions(), 0);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('the remote address is the TCP peer, or the X-Forwarded-For entry the proxy added (the last) only with trustProxy', async () => {
    const forwarded = { 'x-forwarded-for': '10.0.0.1, 203.0.113.7' };
    const plain = await serve({ trustProxy: false });
    const proxied = await serve({ trustProxy: true });
    try {
      await plain.open(forwarded);
      await proxied.open(forwarded);
      assert.equal(plain.ingest.seen[0]!.socket.remoteAddress, '127.0.0.1');
      assert.equal(proxied.ingest.seen[0]!.socket.remoteAddress, '203.0.113.7');
    } finally {
      await plain.close();
      await proxied.close();
    }
  });
});
