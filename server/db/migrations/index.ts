/** A schema change, applied once, in order, inside a transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration, oldest first. Never edit one that has shipped; add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'channels',
    sql: `
      CREATE TABLE channels (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL,
        price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
        currency    TEXT NOT NULL DEFAULT 'usd',
        stream_key  TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'box office',
    sql: `
      -- one row per paid checkout; the unique session id makes every grant idempotent
      CREATE TABLE purchases (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT NOT NULL UNIQUE,
        payment_intent TEXT,
        viewer_id      TEXT NOT NULL,
        item_id        TEXT NOT NULL,
        email          TEXT,
        amount_cents   INTEGER NOT NULL,
        currency       TEXT NOT NULL,
        paid_at        INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL,
        revoked_at     INTEGER,
        revoke_reason  TEXT
      );
      CREATE INDEX purchases_viewer_item ON purchases (viewer_id, item_id, expires_at);
      CREATE INDEX purchases_payment_intent ON purchases (payment_intent);
      -- refunds and disputes, kept even when they arrive before the payment they revoke
      CREATE TABLE revocations (
        payment_intent TEXT PRIMARY KEY,
        reason         TEXT NOT NULL,
        at             INTEGER NOT NULL
      );
      -- Stripe event ids already handled (webhooks are delivered at least once)
      CREATE TABLE stripe_events (
        id          TEXT PRIMARY KEY,
        type        TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
      -- checkouts of the demo mode (no Stripe keys): what Stripe would keep for a real one
      CREATE TABLE demo_sessions (
        id           TEXT PRIMARY KEY,
        viewer_id    TEXT NOT NULL,
        item_id      TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        currency     TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        paid_at      INTEGER
      );
    `,
  },
];
