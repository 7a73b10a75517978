import crypto from 'node:crypto';

/** Name of the console's session cookie. */
export const ADMIN_COOKIE = 'bo_admin';

/** A signed-in console session. */
export interface AdminSession {
  readonly csrfToken: string;
  readonly expiresAt: number;
}

/** The console's sessions, in memory (a restart signs operators out): opened with the admin token, ended by time or sign-out. */
export interface AdminSessions {
  open(): { id: string } & AdminSession;
  /** The live session with this id, or undefined (unknown, malformed or expired). */
  get(id: string | undefined): AdminSession | undefined;
  close(id: string | undefined): void;
}

/** Most sessions kept at once; the oldest is dropped past it (bounded memory whatever signs in). */
const MAX_SESSIONS = 1000;

/** Builds the store: 256-bit random ids and CSRF tokens, each session `ttlMs` long. */
export function createAdminSessions(opts: { ttlMs: number; now: () => number }): AdminSessions {
  const sessions = new Map<string, AdminSession>();
  return {
    open() {
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const id = crypto.randomBytes(32).toString('base64url');
      const session = { csrfToken: crypto.randomBytes(32).toString('base64url'), expiresAt: opts.now() + opts.ttlMs };
      sessions.set(id, session);
      return { id, ...session };
    },
    get(id) {
      const s = id === undefined ? undefined : sessions.get(id);
      if (s && s.expiresAt <= opts.now()) sessions.delete(id!);
      return s && s.expiresAt > opts.now() ? s : undefined;
    },
    close: (id) => void (id !== undefined && sessions.delete(id)),
  };
}
