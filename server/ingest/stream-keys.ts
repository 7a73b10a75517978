import crypto from 'node:crypto';

/** Shape of a stream key: `sk_` and 32 base64url characters (192 random bits). */
export const STREAM_KEY = /^sk_[A-Za-z0-9_-]{32}$/;

/** A new random stream key (192 bits from the CSPRNG). */
export function generateStreamKey(): string {
  return `sk_${crypto.randomBytes(24).toString('base64url')}`;
}

/** A stream key as it may appear in logs: the prefix and a few characters, never the secret part. */
export function redactKey(key: string): string {
  if (key.length <= 8) return '…';
  return `${key.slice(0, 6)}…`;
}

/** RTMP apps publishers may use: CloudFront's streaming path and the conventional alias. */
export const PUBLISH_APPS = ['cfx/st', 'live'] as const;

/** What an RTMP publish or play names, once checked. */
export type RtmpTarget = { ok: true; app: string; name: string } | { ok: false; reason: string };

/**
 * Checks an RTMP app and stream name. Clients split `rtmp://host/cfx/st/<name>` differently (ffmpeg and
 * OBS send app `cfx/st` and name `<name>`; some send app `cfx` and name `st/<name>`), so both are
 * normalised to app `cfx/st`.
 */
export function parseRtmpTarget(app: unknown, name: unknown): RtmpTarget {
  if (typeof app !== 'string' || typeof name !== 'string') return { ok: false, reason: 'missing app or stream name' };
  let a = app.replace(/^\/+|\/+$/g, '');
  let n = name.replace(/^\/+/, '');
  if (a === 'cfx' && n.startsWith('st/')) {
    a = 'cfx/st';
    n = n.slice(3);
  }
  if (!(PUBLISH_APPS as readonly string[]).includes(a)) return { ok: false, reason: `unknown app "${a.slice(0, 32)}"` };
  if (n.length === 0 || n.length > 1024 || /[\0-\x1f\x7f\\]/.test(n)) return { ok: false, reason: 'malformed stream name' };
  return { ok: true, app: a, name: n };
}
