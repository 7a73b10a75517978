import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../origin/http-reply.ts';
import { ADMIN_COOKIE, type AdminSessions } from './admin-sessions.ts';

/** Compares two secrets in constant time (both hashed to equal length first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Compares a bearer header with the admin token in constant time. */
export function isAdmin(authorization: string | undefined, token: string): boolean {
  const m = /^bearer (.+)$/i.exec(authorization ?? '');
  return sameSecret(m?.[1] ?? '', token) && m !== null;
}

/** The fastify onRequest hook that guards `/api/admin/*`. */
export type AdminGuard = (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** Methods that change nothing: no CSRF token needed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Builds the guard (before any body is read): the admin bearer token (CLI, scripts), or the console's session
 * cookie, which on every change must come with its session's CSRF token in `X-CSRF-Token`.
 */
export function createAdminGuard(token: string, sessions?: AdminSessions): AdminGuard {
  return async (req, reply) => {
    if (isAdmin(req.headers.authorization, token)) return undefined;
    const session = sessions?.get(req.cookies?.[ADMIN_COOKIE]);
    if (!session) return sendError(reply.header('www-authenticate', 'Bearer'), 401, 'unauthorized', 'a valid admin bearer token or console session is required');
    const csrf = req.headers['x-csrf-token'];
    if (SAFE_METHODS.has(req.method) || (typeof csrf === 'string' && sameSecret(csrf, session.csrfToken))) return undefined;
    return sendError(reply, 403, 'csrf_required', 'a console change must carry its X-CSRF-Token header');
  };
}

/** The stored admin token, created (mode 0600) on first start; `created` says whether to show it once. */
export function loadOrCreateAdminToken(dataDir: string): { token: string; created: boolean } {
  const file = path.join(dataDir, 'admin-token');
  try {
    return { token: fs.readFileSync(file, 'utf8').trim(), created: false };
  } catch {
    const token = crypto.randomBytes(24).toString('base64url');
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, created: true };
  }
}
