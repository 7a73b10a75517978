import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { buildCustomPolicy, parseCidr } from './policy.ts';
import type { SigningKeys } from './keys.ts';

/** Hash algorithms CloudFront accepts for signatures. */
export type HashAlgorithm = 'SHA1' | 'SHA256';

/** A CloudFront signed cookie as set on the response. */
export interface SignedCookie {
  readonly name: string;
  readonly value: string;
}

/** Access to one folder: the signed URL of a file in it, the same grant as cookies, and when it ends. */
export interface FolderGrant {
  readonly url: string;
  readonly cookies: readonly SignedCookie[];
  /** Path the cookies are scoped to (the folder, with a trailing slash). */
  readonly cookiePath: string;
  readonly secure: boolean;
  readonly expiresAt: Date;
  readonly resource: string;
}

/** Limits of one grant. */
export interface GrantOptions {
  readonly expiresAt: Date;
  readonly notBefore?: Date;
  /** Binds the grant to this IPv4 address (/32); ignored for IPv6 viewers, whom CloudFront could never match. */
  readonly clientIp?: string;
}

/** Issues CloudFront-format signatures with `@aws-sdk/cloudfront-signer` and the parsed key. */
export interface Signer {
  readonly keyPairId: string;
  readonly hashAlgorithm: HashAlgorithm;
  /** Signs everything under `folder` (a path such as `/live/demo`) with a custom wildcard policy. */
  signFolder(folder: string, file: string, opts: GrantOptions): FolderGrant;
  /** Signs `url` with a custom policy whose Resource is `resource` (any host: the operator's `cli sign`). */
  signUrlForResource(url: string, resource: string, opts: GrantOptions): string;
  /** Signs one exact URL with a canned policy (the operator's `cli sign`). */
  signExactUrl(url: string, expiresAt: Date): string;
  /** Signs an RTMP stream name: `name?Policy=…&Signature=…&Key-Pair-Id=…`, Resource = the name. */
  signStreamName(name: string, opts: GrantOptions): string;
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** Builds the signer over PUBLIC_URL; the private key is parsed once, never per signature. */
export function createSigner(keys: Pick<SigningKeys, 'keyPairId' | 'privateKey'>, publicUrl: string, hashAlgorithm: HashAlgorithm = 'SHA1'): Signer {
  const base = new URL(publicUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const secure = base.protocol === 'https:';
  const sign = (url: string, policy: string): string =>
    getSignedUrl({ url, policy, keyPairId: keys.keyPairId, privateKey: keys.privateKey as unknown as string, algorithm: hashAlgorithm });
  const policyFor = (resource: string, opts: GrantOptions): string => {
    // IPv4-mapped IPv6 (what a dual-stack listener reports) is the IPv4 viewer; anything else that is not IPv4 is not bound
    const ipv4 = opts.clientIp?.replace(/^::ffff:/i, '');
    return buildCustomPolicy({
      resource,
      dateLessThan: seconds(opts.expiresAt),
      ...(opts.notBefore ? { dateGreaterThan: seconds(opts.notBefore) } : {}),
      ...(ipv4 && parseCidr(ipv4)?.mask === 0xffffffff ? { sourceIp: `${ipv4}/32` } : {}),
    });
  };
  return {
    keyPairId: keys.keyPairId,
    hashAlgorithm,
    signFolder(folder, file, opts) {
      const folderUrl = `${publicUrl}${folder}`;
      const resource = `${folderUrl}/*`;
      const url = sign(`${folderUrl}/${file}`, policyFor(resource, opts));
      // the cookies carry the same policy and signature as the URL: one RSA signature per grant
      const cookies = queryPairs(url)
        .filter(([k]) => SIGNING_PARAMS.has(k))
        .map(([k, v]) => ({ name: `CloudFront-${k}`, value: v }));
      return { url, cookies, cookiePath: `${basePath}${folder}/`, secure, expiresAt: opts.expiresAt, resource };
    },
    signUrlForResource: (url, resource, opts) => sign(url, policyFor(resource, opts)),
    signExactUrl(url, expiresAt) {
      // whole seconds, rounded down: the SDK would round to the nearest second and outlive `expiresAt`
      const dateLessThan = new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString();
      return getSignedUrl({ url, dateLessThan, keyPairId: keys.keyPairId, privateKey: keys.privateKey as unknown as string, algorithm: hashAlgorithm });
    },
    signStreamName(name, opts) {
      const signed = sign(`https://rtmp.invalid/${name}`, policyFor(name, opts));
      return `${name}${signed.slice(signed.indexOf('?'))}`;
    },
  };
}

/** The parameters a signed URL from this signer carries (what `q/` playlists pass on to their children). */
export function signatureQueryParams(hashAlgorithm: HashAlgorithm): string[] {
  return ['Policy', 'Signature', 'Key-Pair-Id', ...(hashAlgorithm === 'SHA256' ? ['Hash-Algorithm'] : [])];
}

/** Query parameters CloudFront reads (and strips) for signed URLs. */
export const SIGNING_PARAMS: ReadonlySet<string> = new Set(['Policy', 'Expires', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']);

/** The raw `key=value` pairs of a URL's query, in order, undecoded. */
export function queryPairs(url: string): Array<[string, string]> {
  const q = url.indexOf('?');
  if (q < 0) return [];
  return url
    .slice(q + 1)
    .split('#')[0]!
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    });
}

/** `Set-Cookie` values for a grant: scoped to the item's folder, HttpOnly, SameSite=Lax, Secure on https, expiring with it. */
export function grantSetCookies(grant: FolderGrant): string[] {
  const attributes = [`Path=${grant.cookiePath}`, `Expires=${grant.expiresAt.toUTCString()}`, 'HttpOnly', 'SameSite=Lax', ...(grant.secure ? ['Secure'] : [])];
  return grant.cookies.map((c) => [`${c.name}=${c.value}`, ...attributes].join('; '));
}
