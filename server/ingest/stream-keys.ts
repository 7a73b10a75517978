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

/** Whitespace a streamer may paste around a key or server address (spaces, tabs, line breaks). */
const EDGE_SPACE = /^[\s\u00a0\ufeff]+|[\s\u00a0\ufeff]+$/g;

/**
 * Checks an RTMP app and stream name. Clients split `rtmp://host/cfx/st/<name>` differently (ffmpeg and
 * OBS send app `cfx/st` and name `<name>`; some send app `cfx` and name `st/<name>`; a key typed into the
 * server field with an empty key field arrives as app `cfx/st/<key>`), so the two are joined and split
 * again after the app. What streamers mistype and is unambiguous is accepted: slashes around either part,
 * the app in capitals, whitespace pasted around either part.
 */
export function parseRtmpTarget(app: unknown, name: unknown): RtmpTarget {
  if (typeof app !== 'string' || typeof name !== 'string') return { ok: false, reason: 'missing app or stream name' };
  const a = app.replace(EDGE_SPACE, '').replace(/^\/+|\/+$/g, '');
  const n = name.replace(EDGE_SPACE, '').replace(/^\/+/, '');
  const parts = (n === '' ? a : `${a}/${n}`).split('/');
  const lower = parts.map((p) => p.toLowerCase());
  const appParts = lower[0] === 'cfx' && lower[1] === 'st' ? 2 : lower[0] === 'live' ? 1 : 0;
  if (appParts === 0) return { ok: false, reason: `unknown app "${shownApp(a)}": the server must end in /cfx/st` };
  const rest = parts.slice(appParts).join('/');
  if (rest.length === 0) return { ok: false, reason: 'no stream name: the stream key field is empty' };
  if (rest.length > 1024 || /[\0-\x1f\x7f\\]/.test(rest)) return { ok: false, reason: 'malformed stream name' };
  return { ok: true, app: appParts === 2 ? 'cfx/st' : 'live', name: rest };
}

/** An app name as logs and answers may show it: 32 characters at most, any stream key in it redacted. */
export function shownApp(app: string): string {
  return app.replace(/sk_[A-Za-z0-9_-]*/g, redactKey).slice(0, 32);
}

/**
 * Why a connect to this app is refused, or null: the app must begin with a publish app (any case, slashes
 * and whitespace around it ignored), or be `cfx` alone (clients that send `st/<name>` as the stream name).
 * More path after the app is allowed here (a key typed into the server field); parseRtmpTarget judges it.
 */
export function connectAppProblem(app: unknown): string | null {
  const first = typeof app === 'string' ? app.replace(EDGE_SPACE, '').replace(/^\/+/, '').toLowerCase() : '';
  if (first === 'cfx' || PUBLISH_APPS.some((a) => `${first}/`.startsWith(`${a}/`))) return null;
  return `unknown app "${shownApp(String(app))}": the server must end in /cfx/st`;
}

/** A publish's stream name as a stream key, or what is wrong with it (never quoting the key). */
export function parsePublishKey(name: string): { ok: true; key: string } | { ok: false; reason: string } {
  if (STREAM_KEY.test(name)) return { ok: true, key: name };
  const segments = name.split('/');
  const keys = new Set(segments.filter((s) => STREAM_KEY.test(s)));
  // the key in both the server field and the key field: the same key twice is unambiguous
  if (segments.length > 1 && keys.size === 1 && segments.every((s) => keys.has(s))) return { ok: true, key: segments[0]! };
  if (keys.size > 1) return { ok: false, reason: 'two different stream keys (one in the server field, one in the key field)' };
  if (keys.size === 1) return { ok: false, reason: 'malformed stream key: extra path around the key (the server must be rtmp://HOST/cfx/st)' };
  if (/\s/.test(name)) return { ok: false, reason: 'malformed stream key: it contains spaces' };
  return { ok: false, reason: 'malformed stream key' };
}
