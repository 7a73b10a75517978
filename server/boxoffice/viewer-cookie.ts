import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestScheme } from '../origin/signature-gate.ts';

/** Name of the viewer cookie. */
export const VIEWER_COOKIE = 'bo_viewer';

/** Reads and sets the signed, HttpOnly cookie that identifies a viewer (purchases hang on it). */
export interface ViewerCookies {
  /** The viewer id from a valid cookie, or undefined (absent, malformed or forged). */
  read(req: FastifyRequest): string | undefined;
  /** The viewer id, creating one (and setting the cookie) on first visit. */
  ensure(req: FastifyRequest, reply: FastifyReply): string;
}

/** The HMAC secret of viewer cookies, created (mode 0600) in DATA_DIR on first start. */
export function loadOrCreateViewerSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, 'viewer-secret');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch {
    const secret = crypto.randomBytes(32);
    fs.writeFileSync(file, `${secret.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

/**
 * Builds the viewer cookie handling (over @fastify/cookie): `v_<128 random bits>.<HMAC-SHA256>`, a year, HttpOnly, SameSite=Lax
 * (Strict would drop it on the way back from Stripe Checkout and mint a new viewer), Secure when PUBLIC_URL
 * is https or the request came over https (X-Forwarded-Proto only with TRUST_PROXY).
 */
export function createViewerCookies(secret: Buffer, opts: { secure: boolean; trustProxy: boolean }): ViewerCookies {
  const mac = (id: string): string => crypto.createHmac('sha256', secret).update(id).digest('base64url');
  const read = (req: FastifyRequest): string | undefined => {
    const value = req.cookies?.[VIEWER_COOKIE];
    const m = value && /^(v_[A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return undefined;
    const expected = Buffer.from(mac(m[1]!));
    const given = Buffer.from(m[2]!);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? m[1] : undefined;
  };
  return {
    read,
    ensure(req, reply) {
      const existing = read(req);
      if (existing) return existing;
      const id = `v_${crypto.randomBytes(16).toString('base64url')}`;
      const secure = opts.secure || requestScheme(req.raw, opts.trustProxy) === 'https';
      reply.setCookie(VIEWER_COOKIE, `${id}.${mac(id)}`, { path: '/', maxAge: 365 * 24 * 3600, httpOnly: true, sameSite: 'lax', secure });
      return id;
    },
  };
}
