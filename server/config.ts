import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LADDER, parseLadder, type RungSpec } from './hls/ladder.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.ts';

/** x264 presets accepted by X264_PRESET. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'] as const;

/** What live HLS the origin offers: TS segments only, LL-HLS at the master's own URL, or both (LL-HLS beside the standard master). */
export const LIVE_HLS_MODES = ['standard', 'low-latency', 'both'] as const;
export type LiveHlsMode = (typeof LIVE_HLS_MODES)[number];

/** The validated, frozen configuration of one origin process. */
export interface Config {
  readonly httpPort: number;
  readonly rtmpPorts: readonly number[];
  /** HTTPS port when a certificate is configured (a port also in rtmpsPorts serves both over one TLS socket). */
  readonly httpsPort: number | undefined;
  /** Ports that accept RTMPS (RTMP over TLS); empty without a certificate. */
  readonly rtmpsPorts: readonly number[];
  /** PEM certificate (chain) and private key of the TLS listeners; reloaded on SIGHUP. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** An RTMPT session with no request for this long is closed and its resources freed. */
  readonly rtmptIdleTimeoutSeconds: number;
  readonly bind: string;
  readonly publicUrl: string;
  /** The host streamers push to (OBS's server field): PUBLIC_URL's host unless that is a CDN, which carries no RTMP. */
  readonly ingestHost: string;
  readonly dataDir: string;
  readonly mediaDir: string;
  readonly segmentSeconds: number;
  readonly ladder: readonly RungSpec[];
  readonly x264Preset: (typeof X264_PRESETS)[number];
  /** x264 tuning of the live transcoder: `zerolatency` trades some quality for less delay. */
  readonly x264Tune: 'zerolatency' | undefined;
  readonly liveGraceSeconds: number;
  readonly liveWindowSegments: number;
  /** How far back a live channel's DVR playlists reach (0: no DVR, the hot window only). */
  readonly liveDvrMinutes: number;
  /** Every live show is recorded and published to the bucket as a replay. */
  readonly liveRecord: boolean;
  /** `both`: `ll.m3u8` is LL-HLS beside the standard `master.m3u8`; `low-latency`: `master.m3u8` is LL-HLS; `standard`: no LL-HLS. */
  readonly liveHls: LiveHlsMode;
  /** LL-HLS partial segment length in seconds (parts are cut at the first frame past it). */
  readonly partSeconds: number;
  /** CPU cores live transcoders may use together: a new channel that would not fit is refused (admission control). */
  readonly liveCpuBudget: number;
  /** Time an RTMP connection has to finish the handshake and start a publish or play (also the first-byte deadline of every listener). */
  readonly rtmpHandshakeTimeoutSeconds: number;
  /** Explicit ADMIN_TOKEN; when absent one is generated into DATA_DIR. */
  readonly adminToken: string | undefined;
  readonly ffmpegPath: string;
  readonly logLevel: LogLevel;
  /** `json` (pino's lines, the default) or `pretty` (pino-pretty, for development). */
  readonly logFormat: LogFormat;
  /** Bytes per chunk of the console's resumable uploads. */
  readonly uploadChunkBytes: number;
  /** An existing CloudFront key; both unset means a key generated into DATA_DIR. */
  readonly signingKeyPairId: string | undefined;
  readonly signingPrivateKeyFile: string | undefined;
  /** Extra `id=PEM` public keys accepted when verifying (rotation). */
  readonly signingPublicKeysFile: string | undefined;
  readonly signingHashAlgorithm: 'SHA1' | 'SHA256';
  /** Bind each grant to the buyer's IPv4 address (/32). */
  readonly signingBindIp: boolean;
  /** The origin checks signatures on paid HLS itself (false when CloudFront does). */
  readonly enforceSignatures: boolean;
  /** When set, HTTP requests must carry it in X-Origin-Secret (the CDN's origin custom header): nobody bypasses the edge. */
  readonly originSecret: string | undefined;
  /** Take the client IP, scheme and host from X-Forwarded-* headers. */
  readonly trustProxy: boolean;
  /** Sites (origins) whose pages may read paid HLS and the viewer API cross-origin; `*` any site, without cookies. */
  readonly corsOrigins: readonly string[];
  /** How long one purchase (and so one signed URL) grants access. */
  readonly accessHours: number;
  /** Caps a playback URL's lifetime below the end of the entitlement (hours); unset: the entitlement's end. */
  readonly playbackUrlHours: number | undefined;
  /** Stripe keys; both unset means the demo checkout. */
  readonly stripeSecretKey: string | undefined;
  readonly stripeWebhookSecret: string | undefined;
  /** Base URL of Stripe's API for the SDK (tests point it at a local double). */
  readonly stripeApiUrl: string | undefined;
  /** The bucket is S3 when set (any S3-compatible endpoint). */
  readonly s3Bucket: string | undefined;
  readonly s3Endpoint: string | undefined;
  readonly s3Region: string | undefined;
  readonly s3ForcePathStyle: boolean;
  /** Packaging jobs run at once. */
  readonly vodConcurrency: number;
  /** Browsers one purchase may open on (the buyer's included). */
  readonly maxDevicesPerPurchase: number;
  /** The SMTP server of emailed sign-in links (holds credentials: never logged); unset: no emailed links. */
  readonly smtpUrl: string | undefined;
  /** The sender of those mails. */
  readonly smtpFrom: string;
}

/** Start-up refused: one line per bad variable, each naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** A value that failed validation, with what the variable accepts. */
class Invalid {
  constructor(readonly accepts: string) {}
}

type Env = Record<string, string | undefined>;
type Parse<T> = (raw: string) => T | Invalid;

/** Variables whose values are never echoed in an error: a malformed one may still carry a valid password. */
const SECRET_VARS: ReadonlySet<string> = new Set(['SMTP_URL']);

/** Reads and validates the environment once: defaults, then the environment, then checks, then freeze. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const read = <T>(name: string, fallback: T, parse: Parse<T>): T => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = parse(raw);
    if (!(value instanceof Invalid)) return value;
    problems.push(`${SECRET_VARS.has(name) ? `${name} (value not shown: it holds a secret)` : `${name}=${JSON.stringify(raw)}`} is invalid: expected ${value.accepts}`);
    return fallback;
  };
  const httpPort = read('HTTP_PORT', 80, parsePort);
  const rtmpPorts = read('RTMP_PORTS', [1935, 80], parsePortList);
  const tlsCertFile = read<string | undefined>('TLS_CERT_FILE', undefined, (raw) => path.resolve(cwd, raw));
  const tlsKeyFile = read<string | undefined>('TLS_KEY_FILE', undefined, (raw) => path.resolve(cwd, raw));
  const tls = tlsCertFile !== undefined && tlsKeyFile !== undefined;
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together (both unset: no HTTPS or RTMPS)');
  const httpsPort = read<number | undefined>('HTTPS_PORT', tls ? 443 : undefined, parsePort);
  const rtmpsPorts = read<readonly number[]>('RTMPS_PORTS', tls ? [443, 1936] : [], parsePortList);
  if (!tls && (env.HTTPS_PORT?.trim() || env.RTMPS_PORTS?.trim())) problems.push('HTTPS_PORT and RTMPS_PORTS need a certificate: set TLS_CERT_FILE and TLS_KEY_FILE');
  const plain = new Set([httpPort, ...rtmpPorts]);
  const clash = [...(httpsPort === undefined ? [] : [httpsPort]), ...rtmpsPorts].filter((p) => plain.has(p));
  if (tls && clash.length > 0) problems.push(`port ${clash[0]} is both a plain (HTTP_PORT, RTMP_PORTS) and a TLS port (HTTPS_PORT, RTMPS_PORTS): a port speaks TLS or not`);
  const rtmptIdleTimeoutSeconds = read('RTMPT_IDLE_TIMEOUT_SECONDS', 10, intIn(1, 300));
  const bind = read('BIND', '0.0.0.0', (raw) => (/^[0-9a-fA-F:.]+$/.test(raw) ? raw : new Invalid('an IP address such as 0.0.0.0 or 127.0.0.1')));
  const defaultUrl = tls && httpsPort !== undefined ? `https://localhost${httpsPort === 443 ? '' : `:${httpsPort}`}` : `http://localhost${httpPort === 80 ? '' : `:${httpPort}`}`;
  const publicUrl = read('PUBLIC_URL', defaultUrl, parsePublicUrl);
  const ingestHost = read('INGEST_HOST', new URL(publicUrl).hostname, (raw) => (/^[A-Za-z0-9.-]{1,253}$|^\[[0-9a-fA-F:.]+\]$/.test(raw) ? raw : new Invalid('a host name or IP address, e.g. ingest.example.com')));
  const segmentSeconds = read('SEGMENT_SECONDS', 2, intIn(1, 10));
  const ladder = read<readonly RungSpec[]>('LADDER', DEFAULT_LADDER, (raw) => {
    const parsed = parseLadder(raw);
    return typeof parsed === 'string' ? new Invalid(`a ladder like 720p:3000k,480p:1400k (${parsed})`) : parsed;
  });
  const x264Preset = read('X264_PRESET', 'veryfast', oneOf(X264_PRESETS));
  const x264Tune = read<'zerolatency' | undefined>('X264_TUNE', undefined, (raw) => (raw === 'zerolatency' ? raw : new Invalid('zerolatency (or unset)')));
  const liveGraceSeconds = read('LIVE_GRACE_SECONDS', 30, intIn(0, 3600));
  const liveWindowSegments = read('LIVE_WINDOW_SEGMENTS', 6, intIn(3, 60));
  const liveDvrMinutes = read('LIVE_DVR_MINUTES', 120, intIn(0, 24 * 60));
  const liveRecord = read('LIVE_RECORD', true, parseBool);
  const liveHls = read('LIVE_HLS', 'both', oneOf(LIVE_HLS_MODES));
  const partSeconds = read('PART_SECONDS', 0.333, (raw) =>
    /^\d(\.\d{1,3})?$/.test(raw) && Number(raw) >= 0.1 && Number(raw) <= 1 ? Number(raw) : new Invalid('seconds from 0.1 to 1, e.g. 0.333'),
  );
  // the origin itself and the system keep 15% of the machine
  const liveCpuBudget = read('LIVE_CPU_BUDGET', Math.round(os.availableParallelism() * 85) / 100, (raw) =>
    /^\d{1,4}(\.\d{1,3})?$/.test(raw) && Number(raw) > 0 ? Number(raw) : new Invalid('CPU cores, more than 0; fractions allowed (1.5)'),
  );
  const rtmpHandshakeTimeoutSeconds = read('RTMP_HANDSHAKE_TIMEOUT_SECONDS', 5, intIn(1, 60));
  const adminToken = read<string | undefined>('ADMIN_TOKEN', undefined, (raw) => (raw.length >= 16 ? raw : new Invalid('at least 16 characters')));
  const logLevel = read('LOG_LEVEL', 'info', oneOf(LOG_LEVELS));
  const logFormat = read('LOG_FORMAT', 'json', oneOf(LOG_FORMATS));
  const uploadChunkBytes = read('UPLOAD_CHUNK_BYTES', 8 * 1024 * 1024, intIn(64 * 1024, 64 * 1024 * 1024));
  const ffmpegPath = read('FFMPEG_PATH', 'ffmpeg', (raw) => raw);
  const signingKeyPairId = read<string | undefined>('SIGNING_KEY_PAIR_ID', undefined, (raw) => (/^[A-Z0-9]{8,64}$/.test(raw) ? raw : new Invalid('a CloudFront key id such as K2JCJMDEHXQW5F')));
  const signingPrivateKeyFile = read<string | undefined>('SIGNING_PRIVATE_KEY_FILE', undefined, (raw) => path.resolve(cwd, raw));
  if ((signingKeyPairId === undefined) !== (signingPrivateKeyFile === undefined) && !problems.some((p) => p.startsWith('SIGNING_KEY_PAIR_ID'))) {
    problems.push('SIGNING_KEY_PAIR_ID and SIGNING_PRIVATE_KEY_FILE must be set together (or both left unset to use a generated key)');
  }
  const signingPublicKeysFile = read<string | undefined>('SIGNING_PUBLIC_KEYS_FILE', undefined, (raw) => path.resolve(cwd, raw));
  const signingHashAlgorithm = read('SIGNING_HASH_ALGORITHM', 'SHA1', oneOf(['SHA1', 'SHA256'] as const));
  const signingBindIp = read('SIGNING_BIND_IP', false, parseBool);
  const enforceSignatures = read('ENFORCE_SIGNATURES', true, parseBool);
  const trustProxy = read('TRUST_PROXY', false, parseBool);
  const originSecret = read<string | undefined>('ORIGIN_SECRET', undefined, (raw) => (/^[\x21-\x7e]{16,256}$/.test(raw) ? raw : new Invalid('16-256 printable characters without spaces (a header value)')));
  const corsOrigins = read<readonly string[]>('CORS_ORIGINS', [], parseOrigins);
  // fractions allowed (0.25 is 15 minutes): short access periods for trials and tests
  const accessHours = read('ACCESS_HOURS', 24, (raw) => (/^\d{1,4}(\.\d{1,4})?$/.test(raw) && Number(raw) > 0 && Number(raw) <= 24 * 366 ? Number(raw) : new Invalid('hours, more than 0 and at most 8784; fractions allowed (0.5)')));
  const playbackUrlHours = read<number | undefined>('PLAYBACK_URL_HOURS', undefined, intIn(1, 24 * 366));
  const stripeSecretKey = read<string | undefined>('STRIPE_SECRET_KEY', undefined, (raw) => (/^(sk|rk)_(test|live)_\w+$/.test(raw) ? raw : new Invalid('a Stripe secret key (sk_test_… or sk_live_…)')));
  const stripeWebhookSecret = read<string | undefined>('STRIPE_WEBHOOK_SECRET', undefined, (raw) => (/^whsec_\w+$/.test(raw) ? raw : new Invalid('a webhook signing secret (whsec_…)')));
  const stripeApiUrl = read<string | undefined>('STRIPE_API_URL', undefined, (raw) => (/^https?:\/\/[^/?#]+\/?$/.test(raw) ? raw : new Invalid('a base URL such as http://127.0.0.1:12111')));
  if ((env.STRIPE_SECRET_KEY?.trim() ? 1 : 0) + (env.STRIPE_WEBHOOK_SECRET?.trim() ? 1 : 0) === 1) {
    problems.push('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together (both unset runs the demo checkout)');
  }
  if (env.NODE_ENV === 'production' && !env.STRIPE_SECRET_KEY?.trim()) {
    problems.push('STRIPE_SECRET_KEY is required when NODE_ENV=production: the demo checkout moves no money');
  }
  const s3Bucket = read<string | undefined>('S3_BUCKET', undefined, (raw) => (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(raw) ? raw : new Invalid('an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)')));
  const s3Endpoint = read<string | undefined>('S3_ENDPOINT', undefined, (raw) => (/^https?:\/\/[^/?#]+\/?$/.test(raw) ? raw : new Invalid('a URL such as http://127.0.0.1:9000')));
  const s3Region = read<string | undefined>('S3_REGION', undefined, (raw) => (/^[a-z0-9-]{2,32}$/.test(raw) ? raw : new Invalid('a region such as us-east-1')));
  const s3ForcePathStyle = read('S3_FORCE_PATH_STYLE', false, parseBool);
  const vodConcurrency = read('VOD_CONCURRENCY', 1, intIn(1, 16));
  const maxDevicesPerPurchase = read('MAX_DEVICES_PER_PURCHASE', 5, intIn(1, 100));
  const smtpUrl = read<string | undefined>('SMTP_URL', undefined, parseSmtpUrl);
  const smtpFrom = read('SMTP_FROM', `Boxoffice <no-reply@${new URL(publicUrl).hostname}>`, (raw) =>
    /^[^\r\n<>]*<[^\s<>@]+@[^\s<>@]+>$|^[^\s<>@]+@[^\s<>@]+$/.test(raw) ? raw : new Invalid('an address such as tickets@example.com or "Boxoffice <tickets@example.com>"'),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    httpPort,
    rtmpPorts: Object.freeze([...rtmpPorts]),
    httpsPort: tls ? httpsPort : undefined,
    rtmpsPorts: Object.freeze(tls ? [...rtmpsPorts] : []),
    tlsCertFile: tls ? tlsCertFile : undefined,
    tlsKeyFile: tls ? tlsKeyFile : undefined,
    rtmptIdleTimeoutSeconds,
    bind,
    publicUrl,
    ingestHost,
    dataDir: path.resolve(cwd, env.DATA_DIR?.trim() || './data'),
    mediaDir: path.resolve(cwd, env.MEDIA_DIR?.trim() || './media'),
    segmentSeconds,
    ladder: Object.freeze([...ladder]),
    x264Preset,
    x264Tune,
    liveGraceSeconds,
    liveWindowSegments,
    liveDvrMinutes,
    liveRecord,
    liveHls,
    partSeconds,
    liveCpuBudget,
    rtmpHandshakeTimeoutSeconds,
    adminToken,
    ffmpegPath,
    logLevel,
    logFormat,
    uploadChunkBytes,
    signingKeyPairId,
    signingPrivateKeyFile,
    signingPublicKeysFile,
    signingHashAlgorithm,
    signingBindIp,
    enforceSignatures,
    trustProxy,
    originSecret,
    corsOrigins: Object.freeze([...corsOrigins]),
    accessHours,
    playbackUrlHours,
    stripeSecretKey,
    stripeWebhookSecret,
    stripeApiUrl,
    s3Bucket,
    s3Endpoint,
    s3Region,
    s3ForcePathStyle,
    vodConcurrency,
    maxDevicesPerPurchase,
    smtpUrl,
    smtpFrom,
  });
}

function parseSmtpUrl(raw: string): string | Invalid {
  const invalid = new Invalid('an SMTP URL such as smtp://user:password@mail.example.com:587 or smtps://…:465');
  try {
    const url = new URL(raw);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' ? raw : invalid;
  } catch {
    return invalid;
  }
}

function parseBool(raw: string): boolean | Invalid {
  const v = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return new Invalid('true or false');
}

function parsePort(raw: string): number | Invalid {
  return /^\d{1,5}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 65535 ? Number(raw) : new Invalid('a TCP port, 1..65535');
}

function parsePortList(raw: string): number[] | Invalid {
  const ports = raw.split(',').map((p) => parsePort(p.trim()));
  if (ports.some((p) => p instanceof Invalid)) return new Invalid('comma-separated TCP ports, e.g. 1935,80');
  const list = ports as number[];
  return new Set(list).size === list.length ? list : new Invalid('each port once');
}

function parsePublicUrl(raw: string): string | Invalid {
  const expected = 'an http(s) base URL without query, e.g. https://d111111abcdef8.cloudfront.net';
  try {
    const url = new URL(raw);
    const plain = (url.protocol === 'http:' || url.protocol === 'https:') && !/[?#]/.test(raw) && !url.username;
    return plain ? raw.replace(/\/+$/, '') : new Invalid(expected);
  } catch {
    return new Invalid(expected);
  }
}

function parseOrigins(raw: string): string[] | Invalid {
  const invalid = new Invalid('comma-separated origins (scheme, host, optional port; no path) such as https://example.com,https://www.example.com, or * alone');
  const list = raw.split(',').map((o) => o.trim().replace(/\/$/, ''));
  if (list.length === 1 && list[0] === '*') return ['*'];
  const origin = (o: string): boolean => {
    try {
      const url = new URL(o);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === o.toLowerCase();
    } catch {
      return false;
    }
  };
  return list.every(origin) ? list.map((o) => o.toLowerCase()) : invalid;
}

function intIn(min: number, max: number): Parse<number> {
  return (raw) => (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : new Invalid(`a whole number ${min}..${max}`));
}

function oneOf<T extends string>(values: readonly T[]): Parse<T> {
  return (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : new Invalid(`one of ${values.join(', ')}`));
}
