/** The conditions of a CloudFront policy statement, as the verifier uses them. */
export interface PolicyConditions {
  /** Resource pattern; absent means every resource the key guards. */
  readonly resource: string | undefined;
  /** Unix seconds: valid only while now < dateLessThan. */
  readonly dateLessThan: number;
  /** Unix seconds: valid only while now > dateGreaterThan. */
  readonly dateGreaterThan: number | undefined;
  /** IPv4 CIDR the viewer must be in. */
  readonly sourceIp: string | undefined;
}

/** What a custom policy is built from. */
export interface CustomPolicyInput {
  readonly resource: string;
  readonly dateLessThan: number;
  readonly dateGreaterThan?: number;
  readonly sourceIp?: string;
}

/** Latest plausible epoch seconds: anything larger was written in milliseconds. */
const MAX_EPOCH_SECONDS = 1e11;

/** A custom policy JSON string, in the key order CloudFront documents. */
export function buildCustomPolicy(p: CustomPolicyInput): string {
  // JSON would write a non-finite time as null: a policy nothing could ever satisfy, signed as if valid
  for (const t of [p.dateLessThan, p.dateGreaterThan]) if (t !== undefined && !Number.isSafeInteger(t)) throw new RangeError(`a policy time must be whole epoch seconds, not ${t}`);
  const condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': p.dateLessThan } };
  if (p.dateGreaterThan !== undefined) condition.DateGreaterThan = { 'AWS:EpochTime': p.dateGreaterThan };
  if (p.sourceIp !== undefined) condition.IpAddress = { 'AWS:SourceIp': p.sourceIp };
  return JSON.stringify({ Statement: [{ Resource: p.resource, Condition: condition }] });
}

/** The policy a canned signature covers, rebuilt byte for byte (no JSON escaping, as CloudFront does). */
export function cannedPolicy(url: string, expires: number): string {
  return `{"Statement":[{"Resource":"${url}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

/** Parses policy JSON; undefined when CloudFront would call it malformed. */
export function parsePolicy(json: string): PolicyConditions | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  const statements = (doc as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements && typeof statements === 'object' ? [statements] : [];
  if (list.length !== 1 || list[0] === null || typeof list[0] !== 'object') return undefined;
  const st = list[0] as { Resource?: unknown; Condition?: Record<string, Record<string, unknown> | undefined> };
  if (st.Resource !== undefined && typeof st.Resource !== 'string') return undefined;
  const dateLessThan = epoch(st.Condition?.DateLessThan?.['AWS:EpochTime']);
  if (dateLessThan === undefined) return undefined;
  const rawGreater = st.Condition?.DateGreaterThan?.['AWS:EpochTime'];
  const dateGreaterThan = rawGreater === undefined ? undefined : epoch(rawGreater);
  if (rawGreater !== undefined && dateGreaterThan === undefined) return undefined;
  const ip = st.Condition?.IpAddress?.['AWS:SourceIp'];
  if (ip !== undefined && (typeof ip !== 'string' || parseCidr(ip) === undefined)) return undefined;
  return { resource: st.Resource, dateLessThan, dateGreaterThan, sourceIp: ip };
}

function epoch(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MAX_EPOCH_SECONDS ? v : undefined;
}

/** An IPv4 CIDR as a 32-bit network and mask; a bare address is a /32. */
export function parseCidr(text: string): { network: number; mask: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const address = octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
  return { network: (address & mask) >>> 0, mask };
}

/** True when an IPv4 address (IPv4-mapped IPv6 accepted) lies in the CIDR; IPv6 viewers never match. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  const addr = parseCidr(ip.replace(/^::ffff:/i, ''));
  return range !== undefined && addr !== undefined && addr.mask === 0xffffffff && ((addr.network & range.mask) >>> 0) === range.network;
}

/** One URL split into CloudFront's four sections. */
interface Sections {
  protocol: string;
  domain: string;
  path: string;
  query: string | undefined;
}

function splitUrl(url: string): Sections | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (!m) return undefined;
  return { protocol: m[1]!.toLowerCase(), domain: m[2]!.toLowerCase(), path: m[3] || '/', query: m[4] };
}

/** Compiled wildcard patterns: resources repeat on every request of a grant, so each is compiled once. */
const globs = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = globs.get(glob);
  if (!re) {
    if (globs.size >= 10_000) globs.clear();
    re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
    globs.set(glob, re);
  }
  return re;
}

/**
 * Matches a request URL against a policy Resource the way CloudFront does: `*` (any run) and `?` (one
 * character) match only within their section (protocol, domain, path, query); a trailing `*` on the path
 * also allows any query, a trailing `*` on the domain any path and query; a resource starting with `*`
 * allows any protocol; the query separator is written `\?` (a plain `?` after the path is accepted too).
 */
export function resourceMatches(resource: string, url: string): boolean {
  if (resource === '*') return true;
  const target = splitUrl(url);
  if (!target) return false;
  let rest = resource;
  let protocol = '*';
  const scheme = /^([A-Za-z*?][A-Za-z0-9+.*?-]*):\/\//.exec(rest);
  if (scheme) {
    protocol = scheme[1]!;
    rest = rest.slice(scheme[0].length);
  } else if (!rest.startsWith('*')) {
    return false;
  }
  const domainEnd = rest.search(/[/]|\\\?/);
  const domain = domainEnd < 0 ? rest : rest.slice(0, domainEnd);
  if (!globToRegExp(protocol.toLowerCase()).test(target.protocol)) return false;
  if (domainEnd < 0) {
    // the resource ends in the domain: a trailing * opens every path and query
    return domain.endsWith('*') ? globToRegExp(domain.toLowerCase()).test(target.domain) : globToRegExp(domain.toLowerCase()).test(target.domain) && target.path === '/' && target.query === undefined;
  }
  if (!globToRegExp(domain.toLowerCase()).test(target.domain)) return false;
  const afterDomain = rest.slice(domainEnd);
  const escaped = afterDomain.indexOf('\\?');
  const sep = escaped >= 0 ? escaped : afterDomain.indexOf('?');
  const pathGlob = sep < 0 ? afterDomain : afterDomain.slice(0, sep);
  const queryGlob = sep < 0 ? undefined : afterDomain.slice(sep + (escaped >= 0 ? 2 : 1));
  if (queryGlob === undefined) {
    if (pathGlob.endsWith('*')) return globToRegExp(pathGlob).test(target.path);
    return globToRegExp(pathGlob).test(target.path) && target.query === undefined;
  }
  return globToRegExp(pathGlob).test(target.path) && target.query !== undefined && globToRegExp(queryGlob).test(target.query);
}

/** Matches an RTMP stream name against a policy Resource (the stream name, `*` and `?` wildcards). */
export function streamNameMatches(resource: string, streamName: string): boolean {
  return globToRegExp(resource).test(streamName);
}
