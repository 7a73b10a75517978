import net from 'node:net';

/** Size of the RTMP handshake's C1/S1/C2/S2 blocks. */
export const HANDSHAKE_SIZE = 1536;

/** A raw TCP connection to the origin that records what the server did to it. */
export interface RawConnection {
  readonly socket: net.Socket;
  /** Bytes the server sent so far. */
  received(): number;
  /** What the server sent so far, as latin1 text (AMF strings are readable in it). */
  text(): string;
  /** Resolves true once the server closed the connection, false if it is still open after `ms`. */
  closedWithin(ms: number): Promise<boolean>;
  /** Resolves once at least `bytes` were received (rejects if the connection closes first or after `ms`). */
  receive(bytes: number, ms?: number): Promise<void>;
  /** Writes, ignoring the error a write gets once the server has closed. */
  send(data: Buffer): void;
}

/** Opens a raw TCP connection to 127.0.0.1:`port`, from the loopback address `from` (any 127.x.y.z on Linux). */
export function openRaw(port: number, from = '127.0.0.1'): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let got = 0;
    const chunks: Buffer[] = [];
    let closed = false;
    const waiters = new Set<() => void>();
    socket.on('data', (d: Buffer) => {
      got += d.length;
      chunks.push(d);
      for (const w of waiters) w();
    });
    socket.on('error', () => undefined); // ECONNRESET/EPIPE once the server has dropped us
    socket.on('close', () => {
      closed = true;
      for (const w of waiters) w();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => got,
        text: () => Buffer.concat(chunks).toString('latin1'),
        closedWithin: (ms) =>
          new Promise((res) => {
            if (closed) return res(true);
            const timer = setTimeout(() => (waiters.delete(check), res(false)), ms);
            const check = (): void => {
              if (!closed) return;
              clearTimeout(timer);
              waiters.delete(check);
              res(true);
            };
            waiters.add(check);
          }),
        receive: (bytes, ms = 5000) =>
          new Promise((res, rej) => {
            const timer = setTimeout(() => (waiters.delete(check), rej(new Error(`received ${got} of ${bytes} bytes in ${ms} ms`))), ms);
            const check = (): void => {
              if (got < bytes && !closed) return;
              clearTimeout(timer);
              waiters.delete(check);
              if (got >= bytes) res();
              else rej(new Error(`closed after ${got} of ${bytes} bytes`));
            };
            waiters.add(check);
            check();
          }),
        send: (data) => {
          if (!socket.destroyed && socket.writable) socket.write(data, () => undefined);
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** C0 + C1: version 3, then a simple-handshake C1 (zero time and version, `fill` bytes). */
export function c0c1(fill = 0x5a): Buffer {
  const b = Buffer.alloc(1 + HANDSHAKE_SIZE, fill);
  b[0] = 0x03;
  b.fill(0, 1, 9);
  return b;
}

/** Completes the handshake: C0+C1, waits for S0+S1+S2, sends C2. */
export async function handshake(conn: RawConnection): Promise<void> {
  conn.send(c0c1());
  await conn.receive(1 + 2 * HANDSHAKE_SIZE);
  conn.send(Buffer.alloc(HANDSHAKE_SIZE, 0x5a));
}

/** One AMF0 value: strings, numbers, booleans, null, flat objects, and `{ long: s }` for a long string. */
export type Amf0 = string | number | boolean | null | { long: string } | { [k: string]: string | number | boolean };

/** AMF0 encoding of values in a row. */
export function amf0(...values: Amf0[]): Buffer {
  const out: Buffer[] = [];
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  for (const v of values) {
    if (typeof v === 'string') out.push(Buffer.from([0x02]), str(v));
    else if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0x00;
      b.writeDoubleBE(v, 1);
      out.push(b);
    } else if (typeof v === 'boolean') out.push(Buffer.from([0x01, v ? 1 : 0]));
    else if (v === null) out.push(Buffer.from([0x05]));
    else if ('long' in v && typeof v.long === 'string') {
      const b = Buffer.from(v.long, 'utf8');
      const head = Buffer.alloc(5);
      head[0] = 0x0c;
      head.writeUInt32BE(b.length, 1);
      out.push(head, b);
    } else {
      out.push(Buffer.from([0x03]));
      for (const [k, val] of Object.entries(v)) out.push(str(k), amf0(val as Amf0));
      out.push(Buffer.from([0x00, 0x00, 0x09]));
    }
  }
  return Buffer.concat(out);
}

/** RTMP message types the tests send. */
export const MSG = { SET_CHUNK_SIZE: 1, INVOKE: 20 } as const;

/**
 * One RTMP message as chunks on chunk stream `cid`: a type-0 header, then type-3 headers every `chunkSize`
 * bytes. `length` may claim more than `payload` holds (the rest is never sent).
 */
export function message(cid: number, type: number, streamId: number, payload: Buffer, opts: { chunkSize?: number; length?: number } = {}): Buffer {
  const { chunkSize = 128, length = payload.length } = opts;
  const head = Buffer.alloc(12);
  head[0] = cid & 0x3f;
  head.writeUIntBE(0, 1, 3);
  head.writeUIntBE(length, 4, 3);
  head[7] = type;
  head.writeUInt32LE(streamId, 8);
  const parts: Buffer[] = [head];
  for (let off = 0; off < payload.length; off += chunkSize) {
    if (off > 0) parts.push(Buffer.from([0xc0 | (cid & 0x3f)]));
    parts.push(payload.subarray(off, off + chunkSize));
  }
  return Buffer.concat(parts);
}

/** A `connect` command for app `cfx/st` on `port` (what ffmpeg and OBS send first). */
export function connectCommand(port: number, extra: Record<string, string> = {}): Buffer {
  return message(3, MSG.INVOKE, 0, amf0('connect', 1, { app: 'cfx/st', type: 'nonprivate', tcUrl: `rtmp://127.0.0.1:${port}/cfx/st`, ...extra }));
}

/** `createStream` then `publish` of `name` on stream 1. */
export function publishCommands(name: string): Buffer {
  return Buffer.concat([
    message(3, MSG.INVOKE, 0, amf0('createStream', 2, null)),
    message(8, MSG.INVOKE, 1, amf0('publish', 3, null, name, 'live')),
  ]);
}
