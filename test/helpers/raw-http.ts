import net from 'node:net';

/** One answer read off a raw socket; `status` is 0 when none came (reset, or `timedOut`). */
export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: string;
  readonly type: string;
  /** The socket errored (ECONNRESET, EPIPE) before or after the answer. */
  readonly error: string | undefined;
  readonly timedOut: boolean;
}

/** A request line and headers as raw text, `Connection: close` so the server ends the exchange. */
export function rawGet(target: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const lines = Object.entries({ host: '127.0.0.1', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Sends bytes exactly as given (no client-side normalisation of `..`, no size limit) and reads until the
 * server closes the connection, or `timeoutMs`.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let timedOut = false;
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(head)?.[1];
      resolve({
        status: status ? Number(status) : 0,
        head,
        body: split < 0 ? '' : text.slice(split + 4),
        type: /\r\ncontent-type: *([^\r]+)/i.exec(head)?.[1] ?? '',
        error,
        timedOut,
      });
    });
  });
}
