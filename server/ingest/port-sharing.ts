import net from 'node:net';
import type http from 'node:http';
import tls from 'node:tls';

/** The first byte of an RTMP handshake (C0: protocol version 3). */
export const RTMP_VERSION_BYTE = 0x03;

/** Where a listener sends its sockets: RTMP, HTTP, or both told apart by the first byte. */
export interface PortRoles {
  rtmp?: (socket: net.Socket) => void;
  http?: http.Server;
  /** Makes the port a TLS port (HTTPS, RTMPS): the current certificate, asked for at each new connection. */
  tls?: () => tls.SecureContext;
}

/** Which role a connection's first byte belongs to. */
export function classifyFirstByte(byte: number, roles: PortRoles): 'rtmp' | 'http' | 'none' {
  if (byte === RTMP_VERSION_BYTE) return roles.rtmp ? 'rtmp' : 'none';
  return roles.http ? 'http' : 'none';
}

/** Time a client has by default to send its first byte before the socket is dropped (node's HTTP keep-alive idle time). */
export const FIRST_BYTE_TIMEOUT_MS = 5_000;

/**
 * A TCP server that reads each connection's first byte, puts it back, and hands the socket to the RTMP
 * ingest (0x03) or to the HTTP server (anything else: HTTP requests start with a method name). A
 * dedicated port has one role; a byte for a role it lacks closes the connection. On a TLS port the same
 * happens to the decrypted stream once the TLS handshake is done (HTTPS and RTMPS on one port), and the
 * handshake and first byte together must arrive within the deadline: a handshake that never finishes
 * holds nothing for longer.
 */
export function createSharedListener(roles: PortRoles, opts: { firstByteTimeoutMs?: number } = {}): net.Server {
  const { firstByteTimeoutMs = FIRST_BYTE_TIMEOUT_MS } = opts;
  return net.createServer({ pauseOnConnect: true, noDelay: true }, (raw) => {
    if (!roles.tls) return dispatch(raw, roles, firstByteTimeoutMs);
    raw.on('error', () => raw.destroy());
    const deadline = setTimeout(() => raw.destroy(), firstByteTimeoutMs);
    raw.on('close', () => clearTimeout(deadline));
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: roles.tls() });
    secure.on('error', () => secure.destroy());
    secure.once('secure', () => {
      clearTimeout(deadline);
      dispatch(secure, roles, firstByteTimeoutMs);
    });
    raw.resume();
  });
}

/** Reads a connection's first byte (within the deadline), puts it back and hands the socket to its role. */
function dispatch(socket: net.Socket, roles: PortRoles, firstByteTimeoutMs: number): void {
  socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.once('readable', () => {
    const first: Buffer | null = socket.read();
    if (first === null || first.length === 0) return socket.destroy();
    socket.unshift(first);
    socket.setTimeout(0);
    const role = classifyFirstByte(first[0]!, roles);
    if (role === 'rtmp') roles.rtmp!(socket);
    else if (role === 'http') roles.http!.emit('connection', socket);
    else socket.destroy();
  });
}

/** Starts listening and resolves once bound (rejects on EADDRINUSE and the like). */
export function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
