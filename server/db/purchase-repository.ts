import type { Db } from './database.ts';
import { newDeviceId } from './device-repository.ts';

/** A completed payment for one item, as the box office learns it (from a webhook or a confirmed return). */
export interface Payment {
  readonly sessionId: string;
  readonly paymentIntent: string | undefined;
  readonly viewerId: string;
  readonly itemId: string;
  readonly email: string | undefined;
  readonly amountCents: number;
  readonly currency: string;
  /** When the payment happened (ms); access runs from here. */
  readonly paidAt: number;
}

/** A stored purchase. */
export interface Purchase extends Payment {
  readonly expiresAt: number;
  readonly revokedAt: number | undefined;
  readonly revokeReason: string | undefined;
}

/** A checkout of the demo mode. */
export interface DemoSession {
  readonly id: string;
  readonly viewerId: string;
  readonly itemId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly createdAt: number;
  readonly paidAt: number | undefined;
  /** The address the buyer gave (optional in the demo). */
  readonly email: string | undefined;
}

/** The SQL of the box office: purchases, revocations, handled events, demo checkouts. */
export interface PurchaseRepository {
  /** Inserts the purchase unless its session is already recorded; true when inserted. Revoked at once when its payment was refunded or disputed before. */
  grant(payment: Payment, expiresAt: number): boolean;
  /** Records a refund or dispute and revokes every purchase paid by that payment intent; returns how many. */
  revoke(paymentIntent: string, reason: string, at: number): number;
  /** The latest-ending unrevoked purchase of an item open on a viewer's device that is still running at `now`. */
  active(viewerId: string, itemId: string, now: number): Purchase | undefined;
  /** Every running purchase open on a viewer's device, by item. */
  activeForViewer(viewerId: string, now: number): Map<string, Purchase>;
  /** Every running purchase paid with this email address (any case), by item. */
  activeForEmail(email: string, now: number): Map<string, Purchase>;
  /** Purchases, newest first, optionally of one email address or item (the admin's view). */
  list(filter: { email?: string; itemId?: string; limit: number }): Purchase[];
  bySession(sessionId: string): Purchase | undefined;
  /** Marks a Stripe event id as handled; false when it was handled before. */
  recordEvent(id: string, type: string, at: number): boolean;
  createDemoSession(s: Omit<DemoSession, 'paidAt' | 'email'>): void;
  demoSession(id: string): DemoSession | undefined;
  markDemoPaid(id: string, at: number, email: string | undefined): void;
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
}

interface PurchaseRow {
  session_id: string;
  payment_intent: string | null;
  viewer_id: string;
  item_id: string;
  email: string | null;
  amount_cents: number;
  currency: string;
  paid_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

interface DemoRow {
  id: string;
  viewer_id: string;
  item_id: string;
  amount_cents: number;
  currency: string;
  created_at: number;
  paid_at: number | null;
  email: string | null;
}

const toPurchase = (r: PurchaseRow): Purchase => ({
  sessionId: r.session_id,
  paymentIntent: r.payment_intent ?? undefined,
  viewerId: r.viewer_id,
  itemId: r.item_id,
  email: r.email ?? undefined,
  amountCents: r.amount_cents,
  currency: r.currency,
  paidAt: r.paid_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at ?? undefined,
  revokeReason: r.revoke_reason ?? undefined,
});

/** Purchases by item, the latest-ending last (rows come ordered by expiry). */
const byItem = (rows: readonly PurchaseRow[]): Map<string, Purchase> => new Map(rows.map((r) => [r.item_id, toPurchase(r)]));

/** Builds the purchase repository over an open database. */
export function createPurchaseRepository(db: Db): PurchaseRepository {
  const insert = db.prepare(`
    INSERT INTO purchases (session_id, payment_intent, viewer_id, item_id, email, amount_cents, currency, paid_at, expires_at, revoked_at, revoke_reason)
    SELECT @sessionId, @paymentIntent, @viewerId, @itemId, @email, @amountCents, @currency, @paidAt, @expiresAt, r.at, r.reason
    FROM (SELECT 1) LEFT JOIN revocations r ON r.payment_intent = @paymentIntent
    ON CONFLICT (session_id) DO NOTHING`);
  const addRevocation = db.prepare('INSERT INTO revocations (payment_intent, reason, at) VALUES (?, ?, ?) ON CONFLICT (payment_intent) DO NOTHING');
  const revokeByIntent = db.prepare('UPDATE purchases SET revoked_at = ?, revoke_reason = ? WHERE payment_intent = ? AND revoked_at IS NULL');
  const addBuyer = db.prepare("INSERT INTO purchase_devices (id, session_id, viewer_id, via, added_at) VALUES (?, ?, ?, 'checkout', ?)");
  // a purchase is open on its devices (the buyer's first): the viewer must hold an unrevoked one
  const onDevice = 'FROM purchases p JOIN purchase_devices d ON d.session_id = p.session_id AND d.viewer_id = ? AND d.revoked_at IS NULL WHERE p.revoked_at IS NULL AND p.expires_at > ?';
  const activeOne = db.prepare(`SELECT p.* ${onDevice} AND p.item_id = ? ORDER BY p.expires_at DESC LIMIT 1`);
  const activeAll = db.prepare(`SELECT p.* ${onDevice} ORDER BY p.expires_at`);
  const byEmail = db.prepare('SELECT * FROM purchases WHERE email = ? COLLATE NOCASE AND revoked_at IS NULL AND expires_at > ? ORDER BY expires_at');
  const listAll = db.prepare('SELECT * FROM purchases WHERE (@email IS NULL OR email = @email COLLATE NOCASE) AND (@itemId IS NULL OR item_id = @itemId) ORDER BY paid_at DESC, id DESC LIMIT @limit');
  const bySession = db.prepare('SELECT * FROM purchases WHERE session_id = ?');
  const addEvent = db.prepare('INSERT INTO stripe_events (id, type, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const addDemo = db.prepare('INSERT INTO demo_sessions (id, viewer_id, item_id, amount_cents, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const getDemo = db.prepare('SELECT * FROM demo_sessions WHERE id = ?');
  const payDemo = db.prepare('UPDATE demo_sessions SET paid_at = ?, email = ? WHERE id = ? AND paid_at IS NULL');
  return {
    grant: db.transaction((p: Payment, expiresAt: number) => {
      const inserted = insert.run({ ...p, paymentIntent: p.paymentIntent ?? null, email: p.email ?? null, expiresAt }).changes === 1;
      if (inserted) addBuyer.run(newDeviceId(), p.sessionId, p.viewerId, p.paidAt);
      return inserted;
    }),
    revoke(paymentIntent, reason, at) {
      addRevocation.run(paymentIntent, reason, at);
      return revokeByIntent.run(at, reason, paymentIntent).changes;
    },
    active: (viewerId, itemId, now) => {
      const r = activeOne.get(viewerId, now, itemId) as PurchaseRow | undefined;
      return r && toPurchase(r);
    },
    activeForViewer: (viewerId, now) => byItem(activeAll.all(viewerId, now) as PurchaseRow[]),
    activeForEmail: (email, now) => byItem(byEmail.all(email, now) as PurchaseRow[]),
    list: ({ email, itemId, limit }) => (listAll.all({ email: email ?? null, itemId: itemId ?? null, limit }) as PurchaseRow[]).map(toPurchase),
    bySession: (id) => {
      const r = bySession.get(id) as PurchaseRow | undefined;
      return r && toPurchase(r);
    },
    recordEvent: (id, type, at) => addEvent.run(id, type, at).changes === 1,
    createDemoSession: (s) => void addDemo.run(s.id, s.viewerId, s.itemId, s.amountCents, s.currency, s.createdAt),
    demoSession: (id) => {
      const r = getDemo.get(id) as DemoRow | undefined;
      return r && { id: r.id, viewerId: r.viewer_id, itemId: r.item_id, amountCents: r.amount_cents, currency: r.currency, createdAt: r.created_at, paidAt: r.paid_at ?? undefined, email: r.email ?? undefined };
    },
    markDemoPaid: (id, at, email) => void payDemo.run(at, email ?? null, id),
    transaction: (fn) => db.transaction(fn)(),
  };
}
