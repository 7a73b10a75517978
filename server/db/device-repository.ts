import crypto from 'node:crypto';
import type { Db } from './database.ts';

/** How a device came to a purchase: the checkout itself, a pairing code, an emailed sign-in link. */
export type DeviceVia = 'checkout' | 'code' | 'email';

/** A browser (viewer) a purchase opens on. */
export interface Device {
  readonly id: string;
  readonly sessionId: string;
  readonly via: DeviceVia;
  readonly addedAt: number;
  readonly revokedAt: number | undefined;
}

/** A one-time code that adds a device: a pairing code from a viewer with access, or an emailed link to an address. */
export interface SignInCode {
  readonly hash: string;
  readonly kind: 'pairing' | 'email';
  readonly viewerId: string | undefined;
  readonly email: string | undefined;
  readonly expiresAt: number;
}

/** What adding a device to a purchase did. */
export type AddOutcome = 'added' | 'already' | 'full';

/** The SQL of devices and sign-in codes. */
export interface DeviceRepository {
  /** Adds a viewer to a purchase (a revoked device comes back) unless it is on it or the purchase is on `max` devices. */
  add(sessionId: string, viewerId: string, via: DeviceVia, at: number, max: number): AddOutcome;
  /** A purchase's devices, revoked ones too, oldest first. */
  list(sessionId: string): Device[];
  /** Revokes one device of a purchase; false when it has no such running device. */
  revoke(sessionId: string, deviceId: string, at: number): boolean;
  /** Stores a new code (and forgets expired ones). */
  saveCode(code: SignInCode, createdAt: number): void;
  /** The unused, unexpired code with this hash and kind. */
  findCode(hash: string, kind: SignInCode['kind'], now: number): SignInCode | undefined;
  /** Marks a code used: it never works again. */
  useCode(hash: string, at: number): void;
  transaction<T>(fn: () => T): T;
}

interface DeviceRow {
  id: string;
  session_id: string;
  via: DeviceVia;
  added_at: number;
  revoked_at: number | null;
}

interface CodeRow {
  hash: string;
  kind: SignInCode['kind'];
  viewer_id: string | null;
  email: string | null;
  expires_at: number;
}

/** A new device id: `d_` and 96 random bits in hex. */
export const newDeviceId = (): string => `d_${crypto.randomBytes(12).toString('hex')}`;

/** Builds the device repository over an open database. */
export function createDeviceRepository(db: Db): DeviceRepository {
  const existing = db.prepare('SELECT id, revoked_at FROM purchase_devices WHERE session_id = ? AND viewer_id = ?');
  const running = db.prepare('SELECT COUNT(*) AS n FROM purchase_devices WHERE session_id = ? AND revoked_at IS NULL');
  const insert = db.prepare('INSERT INTO purchase_devices (id, session_id, viewer_id, via, added_at) VALUES (?, ?, ?, ?, ?)');
  const restore = db.prepare('UPDATE purchase_devices SET revoked_at = NULL, via = ?, added_at = ? WHERE id = ?');
  const all = db.prepare('SELECT * FROM purchase_devices WHERE session_id = ? ORDER BY added_at, rowid');
  const revoke = db.prepare('UPDATE purchase_devices SET revoked_at = ? WHERE session_id = ? AND id = ? AND revoked_at IS NULL');
  const forget = db.prepare('DELETE FROM sign_in_codes WHERE expires_at < ?');
  const save = db.prepare('INSERT INTO sign_in_codes (hash, kind, viewer_id, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const find = db.prepare('SELECT * FROM sign_in_codes WHERE hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?');
  const use = db.prepare('UPDATE sign_in_codes SET used_at = ? WHERE hash = ?');
  const add = db.transaction((sessionId: string, viewerId: string, via: DeviceVia, at: number, max: number): AddOutcome => {
    const row = existing.get(sessionId, viewerId) as { id: string; revoked_at: number | null } | undefined;
    if (row && row.revoked_at === null) return 'already';
    if ((running.get(sessionId) as { n: number }).n >= max) return 'full';
    if (row) restore.run(via, at, row.id);
    else insert.run(newDeviceId(), sessionId, viewerId, via, at);
    return 'added';
  });
  return {
    add: (sessionId, viewerId, via, at, max) => add(sessionId, viewerId, via, at, max),
    list: (sessionId) =>
      (all.all(sessionId) as DeviceRow[]).map((r) => ({ id: r.id, sessionId: r.session_id, via: r.via, addedAt: r.added_at, revokedAt: r.revoked_at ?? undefined })),
    revoke: (sessionId, deviceId, at) => revoke.run(at, sessionId, deviceId).changes === 1,
    saveCode(code, createdAt) {
      forget.run(createdAt);
      save.run(code.hash, code.kind, code.viewerId ?? null, code.email ?? null, createdAt, code.expiresAt);
    },
    findCode: (hash, kind, now) => {
      const r = find.get(hash, kind, now) as CodeRow | undefined;
      return r && { hash: r.hash, kind: r.kind, viewerId: r.viewer_id ?? undefined, email: r.email ?? undefined, expiresAt: r.expires_at };
    },
    useCode: (hash, at) => void use.run(at, hash),
    transaction: (fn) => db.transaction(fn)(),
  };
}
