import crypto, { type KeyObject } from 'node:crypto';
import { decodeCloudFrontBase64 } from './cloudfront-base64.ts';
import { cannedPolicy, ipInCidr, parsePolicy, resourceMatches, streamNameMatches, type PolicyConditions } from './policy.ts';
import { splitPathToken } from './path-token.ts';
import { queryPairs, SIGNING_PARAMS } from './signer.ts';

/** CloudFront's refusal codes and their messages. */
export const REFUSALS = {
  MissingKey: 'Missing Key-Pair-Id query parameter or cookie value',
  InvalidKey: 'Unknown Key',
  MalformedSignature: 'Could not unencode Signature',
  MalformedPolicy: 'Malformed Policy',
  AccessDenied: 'Access denied',
} as const;

/** One of CloudFront's refusal codes. */
export type RefusalCode = keyof typeof REFUSALS;

/** The outcome of checking a signature: allowed, or CloudFront's code and our reason (for logs). */
export type Verdict = { ok: true } | { ok: false; code: RefusalCode; reason: string };

/** Signature parameters found in a query or in cookies. */
type SignatureParams = Partial<Record<'Policy' | 'Expires' | 'Signature' | 'Key-Pair-Id' | 'Hash-Algorithm', string>>;

/** Checks CloudFront signed URLs, cookies and RTMP stream names against the accepted public keys. */
export interface Verifier {
  /**
   * `url` is scheme://host + the raw request target; cookies are the request's, undecoded (read only when the
   * query carries no signature). A path token (`/live/<channel>/s/<token>/…`, see path-token.ts) is the
   * signature: checked as the URL without it plus the token's query, never with cookies.
   */
  verifyRequest(req: { url: string; readonly cookies: Record<string, string>; clientIp: string }): Verdict;
  verifyStreamName(name: string, query: Record<string, unknown>, clientIp: string): Verdict;
}

const deny = (code: RefusalCode, reason: string): Verdict => ({ ok: false, code, reason });
const ALLOWED: Verdict = Object.freeze({ ok: true });

/** Builds a verifier; signatures already verified are remembered (time, IP and resource are checked every time). */
export function createVerifier(publicKeys: ReadonlyMap<string, KeyObject>, opts: { now?: () => number; cacheSize?: number } = {}): Verifier {
  const now = opts.now ?? Date.now;
  const cacheSize = opts.cacheSize ?? 10_000;
  const verified = new Map<string, PolicyConditions>();
  /** Signed URLs already verified, with whether their policy's resource covers them: a playlist reload is one lookup. */
  const verifiedUrls = new Map<string, { conditions: PolicyConditions; resourceOk: boolean }>();

  /** Signature checks common to URLs, cookies and stream names; returns the policy's conditions. */
  const check = (p: SignatureParams, canned: (expires: number) => string): PolicyConditions | Verdict => {
    const keyId = p['Key-Pair-Id'];
    if (!keyId) return deny('MissingKey', 'no key pair id');
    const key = publicKeys.get(keyId);
    if (!key) return deny('InvalidKey', 'unknown key pair id');
    const algorithm = p['Hash-Algorithm'] === undefined || p['Hash-Algorithm'] === 'SHA1' ? 'sha1' : p['Hash-Algorithm'] === 'SHA256' ? 'sha256' : undefined;
    // a signature verified before is recognised by its raw parameters, before any decoding (the hot path)
    const cacheKey = `${algorithm}|${keyId}|${p.Signature}|${p.Policy ?? `E${p.Expires}|${p.Expires !== undefined ? canned(Number(p.Expires)) : ''}`}`;
    const remembered = verified.get(cacheKey);
    if (remembered) return remembered;
    const signature = p.Signature === undefined ? undefined : decodeCloudFrontBase64(p.Signature);
    if (!signature) return deny('MalformedSignature', 'missing or undecodable signature');
    if (!algorithm) return deny('AccessDenied', 'unsupported hash algorithm');
    let policyBytes: Buffer;
    let conditions: PolicyConditions | undefined;
    if (p.Policy !== undefined) {
      const decoded = decodeCloudFrontBase64(p.Policy);
      conditions = decoded && parsePolicy(decoded.toString('utf8'));
      if (!decoded || !conditions) return deny('MalformedPolicy', 'policy is not CloudFront base64 JSON with DateLessThan in seconds');
      policyBytes = decoded;
    } else if (p.Expires !== undefined) {
      if (!/^\d{1,11}$/.test(p.Expires)) return deny('MalformedPolicy', 'Expires is not epoch seconds');
      policyBytes = Buffer.from(canned(Number(p.Expires)));
      conditions = { resource: undefined, dateLessThan: Number(p.Expires), dateGreaterThan: undefined, sourceIp: undefined };
    } else {
      return deny('MalformedPolicy', 'neither Policy nor Expires');
    }
    let good = false;
    try {
      good = crypto.verify(algorithm, policyBytes, key, signature);
    } catch {
      good = false;
    }
    if (!good) return deny('AccessDenied', 'signature does not match');
    if (verified.size >= cacheSize) verified.clear();
    verified.set(cacheKey, conditions);
    return conditions;
  };

  /** Time, IP and resource checks of verified conditions (`resourceOk`: whether the policy's resource, if any, covers the request). */
  const conditionsHold = (c: PolicyConditions, clientIp: string, resourceOk: boolean): Verdict => {
    const t = now() / 1000;
    if (!(t < c.dateLessThan)) return deny('AccessDenied', 'expired');
    if (c.dateGreaterThan !== undefined && !(t > c.dateGreaterThan)) return deny('AccessDenied', 'not yet valid');
    if (c.sourceIp !== undefined && !ipInCidr(clientIp, c.sourceIp)) return deny('AccessDenied', 'viewer IP outside the policy');
    if (!resourceOk) return deny('AccessDenied', 'resource does not match');
    return ALLOWED;
  };

  return {
    verifyRequest(req) {
      const { url, clientIp } = req;
      const known = verifiedUrls.get(url);
      if (known) return conditionsHold(known.conditions, clientIp, known.resourceOk);
      const token = signedUrlOfPathToken(url);
      if (token === 'malformed') return deny('MalformedSignature', 'the path token does not decode');
      const signed = token ?? url;
      const pairs = queryPairs(signed);
      const inQuery = pairs.some(([k]) => SIGNING_PARAMS.has(k) && k !== 'Hash-Algorithm');
      const params: SignatureParams = {};
      if (inQuery) {
        for (const [k, v] of pairs) if (SIGNING_PARAMS.has(k) && !(k in params)) params[k as keyof SignatureParams] = v;
      } else if (token) {
        return deny('MissingKey', 'the path token carries no signature');
      } else {
        const cookies = req.cookies;
        for (const k of SIGNING_PARAMS) if (cookies[`CloudFront-${k}`] !== undefined) params[k as keyof SignatureParams] = cookies[`CloudFront-${k}`];
      }
      const stripped = stripSigningParams(signed);
      const c = check(params, (expires) => cannedPolicy(stripped, expires));
      if ('ok' in c) return c;
      const resourceOk = c.resource === undefined || resourceMatches(c.resource, stripped);
      if (inQuery) {
        // the raw URL is the key: a path token's URL is recognised as it came, before any decoding
        if (verifiedUrls.size >= cacheSize) verifiedUrls.clear();
        verifiedUrls.set(url, { conditions: c, resourceOk });
      }
      return conditionsHold(c, clientIp, resourceOk);
    },
    verifyStreamName(name, query, clientIp) {
      const params: SignatureParams = {};
      for (const k of SIGNING_PARAMS) {
        const v = query[k];
        if (typeof v === 'string') params[k as keyof SignatureParams] = v;
      }
      const c = check(params, (expires) => cannedPolicy(name, expires));
      if ('ok' in c) return c;
      return conditionsHold(c, clientIp, c.resource === undefined || streamNameMatches(c.resource, name));
    },
  };
}

/** A URL carrying a path token, as the signed URL it stands for (`scheme://host/<path without the token>?<token's query>`); undefined without one. */
function signedUrlOfPathToken(url: string): string | 'malformed' | undefined {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return undefined;
  const token = splitPathToken(url.slice(start));
  return token === undefined || token === 'malformed' ? token : `${url.slice(0, start)}${token.path}?${token.query}`;
}

/** The URL without CloudFront's signing parameters: other parameters raw and in order, no trailing `?`. */
export function stripSigningParams(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((piece) => !SIGNING_PARAMS.has(piece.split('=', 1)[0]!))
    .join('&');
  return kept === '' ? url.slice(0, q) : `${url.slice(0, q)}?${kept}`;
}

/** CloudFront's XML error body for a refusal. */
export function refusalXml(code: RefusalCode): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${REFUSALS[code]}</Message></Error>`;
}

/** Cookies of a request as name → raw value (first wins); malformed pieces are skipped. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const piece of header.split(';')) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const name = piece.slice(0, eq).trim();
    let value = piece.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !(name in out)) out[name] = value;
  }
  return out;
}
