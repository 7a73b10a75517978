import pino from 'pino';
import pretty from 'pino-pretty';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** How log lines are written: pino's JSON, one object a line (default), or pino-pretty's readable lines for development. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
/** One of LOG_FORMATS. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The logger every module receives: a message and optional structured fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Field names whose values never reach a log line, at the top level or one level down (pino's redaction). */
const SECRET_FIELDS = ['token', 'adminToken', 'streamKey', 'password', 'secret', 'csrfToken', 'authorization', 'cookie', 'Policy', 'Signature'];

/** Query parameters a request log keeps the value of; every other value (signatures, emails, session ids, codes) is replaced. */
const PLAIN_QUERY = new Set(['player', 'item', 'channel', 'offset', '_HLS_msn', '_HLS_part', '_HLS_skip']);

/** A request URL as logged: the path with a `/s/<token>/` path token and anything shaped like a stream key cut out, query values other than PLAIN_QUERY's replaced by `…`. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/\/s\/[^/]+\//, '/s/…/').replace(/sk_[A-Za-z0-9_%-]+/g, 'sk_…');
  if (q < 0) return path;
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    return eq < 0 || PLAIN_QUERY.has(name) ? pair : `${name}=…`;
  });
  return `${path}?${query.join('&')}`;
}

/** The pino logger of the process: JSON lines on stdout (written synchronously: nothing is lost at exit), secrets redacted. */
export function createPino(level: LogLevel = 'info', format: LogFormat = 'json', base: Record<string, unknown> = {}, destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, ...base },
    redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
  };
  if (format === 'pretty') return pino(options, pretty({ sync: true, translateTime: 'SYS:standard', ignore: 'pid,hostname', ...(destination ? { destination } : {}) }));
  return pino(options, destination ?? pino.destination({ fd: 1, sync: true }));
}

/** Our Logger over a pino logger (message first, fields second, as every module calls it). */
export function loggerOf(p: pino.Logger): Logger {
  return {
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
    child: (fields) => loggerOf(p.child(fields)),
  };
}

/** A Logger writing pino JSON lines to stdout (tests and tools; the origin builds its pino logger with createPino to share it with fastify). */
export function createLogger(level: LogLevel = 'info', base: Record<string, unknown> = {}): Logger {
  return loggerOf(createPino(level, 'json', base));
}
