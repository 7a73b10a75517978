import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../origin/http-reply.ts';

/** Compares a bearer header with the admin token in constant time (both hashed to equal length first). */
export function isAdmin(authorization: string | undefined, token: string): boolean {
  const m = /^bearer (.+)$/i.exec(authorization ?? '');
  const given = crypto.createHash('sha256').update(m?.[1] ?? '').digest();
  const expected = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(given, expected) && m !== null;
}

/** A fastify onRequest hook that answers 401 unless the request carries the admin token (before any body is read). */
export function requireAdmin(token: string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (isAdmin(req.headers.authorization, token)) return undefined;
    return sendError(reply.header('www-authenticate', 'Bearer'), 401, 'unauthorized', 'a valid admin bearer token is required');
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
