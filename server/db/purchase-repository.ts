import type { Db } from './database.ts';

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
}

/** The SQL of the box office: purchases, revocations, handled events, demo checkouts. */
export interface PurchaseRepository {
  /** Inserts the purchase unless its session is already recorded; true when inserted. Revoked at once when its payment was refunded or disputed before. */
  grant(payment: Payment, expiresAt: number): boolean;
  /** Records a refund or dispute and revokes every purchase paid by that payment intent; returns how many. */
  revoke(paymentIntent: string, reason: string, at: number): number;
  /** The latest-ending unrevoked purchase of an item by a viewer that is still running at `now`. */
  active(viewerId: string, itemId: string, now: number): Purchase | undefined;
  /** Every running purchase of a viewer, by item. */
  activeForViewer(viewerId: string, now: number): Map<string, Purchase>;
  bySession(sessionId: string): Purchase | undefined;
  /** Marks a Stripe event id as handled; false when it was handled before. */
  recordEvent(id: string, type: string, at: number): boolean;
  createDemoSession(s: Omit<DemoSession, 'paidAt'>): void;
  demoSession(id: string): DemoSession | undefined;
  markDemoPaid(id: string, at: number): void;
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

/** Builds the purchase repository over an open database. */
export function createPurchaseRepository(db: Db): PurchaseRepository {
  const insert = db.prepare(`
    INSERT INTO purchases (session_id, payment_intent, viewer_id, item_id, email, amount_cents, currency, paid_at, expires_at, revoked_at, revoke_reason)
    SELECT @sessionId, @paymentIntent, @viewerId, @itemId, @email, @amountCents, @currency, @paidAt, @expiresAt, r.at, r.reason
    FROM (SELECT 1) LEFT JOIN revocations r ON r.payment_intent = @paymentIntent
    ON CONFLICT (session_id) DO NOTHING`);
  const addRevocation = db.prepare('INSERT INTO revocations (payment_intent, reason, at) VALUES (?, ?, ?) ON CONFLICT (payment_intent) DO NOTHING');
  const revokeByIntent = db.prepare('UPDATE purchases SET revoked_at = ?, revoke_reason = ? WHERE payment_intent = ? AND revoked_at IS NULL');
  const activeOne = db.prepare('SELECT * FROM purchases WHERE viewer_id = ? AND item_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY expires_at DESC LIMIT 1');
  const activeAll = db.prepare('SELECT * FROM purchases WHERE viewer_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY expires_at');
  const bySession = db.prepare('SELECT * FROM purchases WHERE session_id = ?');
  const addEvent = db.prepare('INSERT INTO stripe_events (id, type, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const addDemo = db.prepare('INSERT INTO demo_sessions (id, viewer_id, item_id, amount_cents, currency, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const getDemo = db.prepare('SELECT * FROM demo_sessions WHERE id = ?');
  const payDemo = db.prepare('UPDATE demo_sessions SET paid_at = ? WHERE id = ? AND paid_at IS NULL');
  return {
    grant: (p, expiresAt) =>
      insert.run({ ...p, paymentIntent: p.paymentIntent ?? null, email: p.email ?? null, expiresAt }).changes === 1,
    revoke(paymentIntent, reason, at) {
      addRevocation.run(paymentIntent, reason, at);
      return revokeByIntent.run(at, reason, paymentIntent).changes;
    },
    active: (viewerId, itemId, now) => {
      const r = activeOne.get(viewerId, itemId, now) as PurchaseRow | undefined;
      return r && toPurchase(r);
    },
    activeForViewer: (viewerId, now) => new Map((activeAll.all(viewerId, now) as PurchaseRow[]).map((r) => [r.item_id, toPurchase(r)])),
    bySession: (id) => {
      const r = bySession.get(id) as PurchaseRow | undefined;
      return r && toPurchase(r);
    },
    recordEvent: (id, type, at) => addEvent.run(id, type, at).changes === 1,
    createDemoSession: (s) => void addDemo.run(s.id, s.viewerId, s.itemId, s.amountCents, s.currency, s.createdAt),
    demoSession: (id) => {
      const r = getDemo.get(id) as DemoRow | undefined;
      return r && { id: r.id, viewerId: r.viewer_id, itemId: r.item_id, amountCents: r.amount_cents, currency: r.currency, createdAt: r.created_at, paidAt: r.paid_at ?? undefined };
    },
    markDemoPaid: (id, at) => void payDemo.run(at, id),
    transaction: (fn) => db.transaction(fn)(),
  };
}
