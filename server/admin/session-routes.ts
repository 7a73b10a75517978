import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../origin/http-reply.ts';
import { sameSecret, type AdminGuard } from './admin-auth.ts';
import { ADMIN_COOKIE, type AdminSessions } from './admin-sessions.ts';

/** What the console learns when it signs in or reloads. */
const sessionView = (s: { csrfToken: string; expiresAt: number }) => ({ csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() });

/**
 * `POST /api/admin/session {token}` (sign in: an HttpOnly, SameSite=Strict cookie), `GET` (the CSRF token of
 * the current session), `DELETE` (sign out). Sign-in attempts are limited per IP by @fastify/rate-limit.
 */
export function registerSessionRoutes(app: FastifyInstance, deps: { sessions: AdminSessions; adminToken: string; guard: AdminGuard; ttlSeconds: number; secure(req: FastifyRequest): boolean }): void {
  const cookie = (req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): FastifyReply =>
    reply.setCookie(ADMIN_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.secure(req), maxAge: maxAgeSeconds });
  app.post('/api/admin/session', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (req, reply) => {
    const token = (req.body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || !sameSecret(token, deps.adminToken)) return sendError(reply, 401, 'bad_token', 'That is not the admin token.');
    deps.sessions.close(req.cookies[ADMIN_COOKIE]);
    const s = deps.sessions.open();
    return cookie(req, reply, s.id, deps.ttlSeconds).header('cache-control', 'no-store').send(sessionView(s));
  });
  app.get('/api/admin/session', async (req, reply) => {
    const s = deps.sessions.get(req.cookies[ADMIN_COOKIE]);
    if (!s) return sendError(reply, 401, 'unauthorized', 'not signed in');
    return reply.header('cache-control', 'no-store').send(sessionView(s));
  });
  app.delete('/api/admin/session', { onRequest: deps.guard }, async (req, reply) => {
    deps.sessions.close(req.cookies[ADMIN_COOKIE]);
    return cookie(req, reply, '', 0).code(204).send();
  });
}
