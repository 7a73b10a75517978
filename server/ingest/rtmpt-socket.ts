import { Duplex } from 'node:stream';
import type { RtmpTransport } from './rtmp-server.ts';

/** Who is at the other end of an RTMPT session, and how far it may fall behind. */
export interface RtmptSocketOptions {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Server-to-client bytes held for the next poll beyond which the session is closed (a client that stopped reading). */
  readonly maxQueuedBytes: number;
}

/**
 * The virtual socket of one RTMPT session, so the ingest runs RTMP over it exactly as over TCP.
 * Bytes from HTTP bodies come out as 'data' (`deliver`); what the ingest writes is queued until the
 * client's next poll takes it (`drainQueue`). `end()` and `destroy()` both close it: 'close' is emitted once,
 * and bytes still queued stay drainable afterwards so the tunnel can hand them over on the next poll.
 * `setTimeout` has net.Socket's contract: 'timeout' once nothing was read or written for `ms`.
 */
export class RtmptSocket extends Duplex implements RtmpTransport {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Set when the socket closed itself (its queue went over the limit). */
  overflowed = false;
  readonly #maxQueuedBytes: number;
  #queue: Buffer[] = [];
  #queued = 0;
  #idle: NodeJS.Timeout | undefined;

  constructor(options: RtmptSocketOptions) {
    super({ allowHalfOpen: false });
    this.remoteAddress = options.remoteAddress;
    this.remotePort = options.remotePort;
    this.#maxQueuedBytes = options.maxQueuedBytes;
  }

  /** Bytes waiting for the client's next poll. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Hands bytes the client sent (an HTTP body) to whoever reads this socket; ignored once closed. */
  deliver(bytes: Buffer): void {
    if (this.destroyed || bytes.length === 0) return;
    this.#touch();
    this.push(bytes);
  }

  /** Takes everything queued for the client (empty when nothing is). */
  drainQueue(): Buffer {
    if (this.#queued === 0) return Buffer.alloc(0);
    const out = this.#queue.length === 1 ? this.#queue[0]! : Buffer.concat(this.#queue, this.#queued);
    this.#queue = [];
    this.#queued = 0;
    return out;
  }

  /** Emits 'timeout' (and calls `onIdle` once) after `ms` without a read or write; 0 disables it. */
  setTimeout(ms: number, onIdle?: () => void): this {
    if (onIdle) {
      if (ms === 0) this.removeListener('timeout', onIdle);
      else this.once('timeout', onIdle);
    }
    clearTimeout(this.#idle);
    this.#idle = ms > 0 && !this.destroyed ? setTimeout(() => this.emit('timeout'), ms).unref() : undefined;
    return this;
  }

  override _read(): void {
    // bytes arrive with HTTP requests (deliver), never on demand
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#touch();
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    callback();
    if (this.#queued > this.#maxQueuedBytes && !this.destroyed) {
      this.overflowed = true;
      this.#queue = [];
      this.#queued = 0;
      this.destroy();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
    // the ingest ended the connection: no half-open state, the queue stays for the last poll
    process.nextTick(() => this.destroy());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#idle);
    this.#idle = undefined;
    callback(error);
  }

  #touch(): void {
    this.#idle?.refresh();
  }
}
