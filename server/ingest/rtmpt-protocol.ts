/** The polling interval byte of an answer that carried data (Red5 and FMS: "poll again at once"). */
export const POLL_INTERVAL_MIN = 0x01;

/** The largest polling interval byte: an idle session's answers grow to it one step per empty answer. */
export const POLL_INTERVAL_MAX = 0x21;

/** One RTMPT request, from its path: open a session, move bytes (send, idle), close, or Flash's FCS probe. */
export type RtmptRequest =
  | { readonly command: 'open' }
  | { readonly command: 'send' | 'idle' | 'close'; readonly id: string; readonly seq: number }
  | { readonly command: 'ident' };

/** The first path segments that belong to RTMPT (only POSTs: the same paths are free for other methods). */
const COMMAND_PREFIX = /^\/(?:open|send|idle|close|fcs)\//;

/** Session paths: `/<command>/<client id>/<seq>`; a client id is ours (base64url), seq any non-negative integer. */
const SESSION_PATH = /^\/(send|idle|close)\/([A-Za-z0-9_-]{1,64})\/(\d{1,15})$/;

/** True when a request is RTMPT's (so the HTTP server hands it to the tunnel before any routing or body parsing). */
export function isRtmptRequest(method: string | undefined, url: string | undefined): boolean {
  return method === 'POST' && url !== undefined && COMMAND_PREFIX.test(url);
}

/**
 * Reads an RTMPT path (its query, if any, ignored). The sequence number is parsed but not enforced:
 * the unguessable client id is the session's credential, and clients differ in where they start counting.
 */
export function parseRtmptPath(url: string): RtmptRequest | undefined {
  const path = url.split('?')[0]!;
  if (/^\/open\/\d{1,15}$/.test(path)) return { command: 'open' };
  if (path === '/fcs/ident2') return { command: 'ident' };
  const m = SESSION_PATH.exec(path);
  if (!m) return undefined;
  return { command: m[1] as 'send' | 'idle' | 'close', id: m[2]!, seq: Number(m[3]) };
}

/** The polling interval byte after an answer: the minimum with data, else one more than before up to the maximum. */
export function nextPollInterval(previous: number, carriedData: boolean): number {
  return carriedData ? POLL_INTERVAL_MIN : Math.min(previous + 1, POLL_INTERVAL_MAX);
}

/** An answer's body: the polling interval byte, then the server's RTMP bytes. */
export function pollAnswer(interval: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + data.length);
  out[0] = interval;
  data.copy(out, 1);
  return out;
}
