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
  {
    version: 3,
    name: 'videos',
    sql: `
      CREATE TABLE videos (
        id           TEXT PRIMARY KEY,
        source_key   TEXT NOT NULL UNIQUE,
        title        TEXT NOT NULL,
        price_cents  INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
        currency     TEXT NOT NULL DEFAULT 'usd',
        version      TEXT,
        duration_sec REAL,
        created_at   INTEGER NOT NULL
      );
      -- packaged versions (content hash of the source bytes), recorded only once every file is in the bucket
      CREATE TABLE video_versions (
        video_id     TEXT NOT NULL REFERENCES videos (id),
        version      TEXT NOT NULL,
        duration_sec REAL NOT NULL,
        published_at INTEGER NOT NULL,
        PRIMARY KEY (video_id, version)
      );
      CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        video_id     TEXT NOT NULL REFERENCES videos (id),
        state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        progress     REAL NOT NULL DEFAULT 0,
        error        TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        heartbeat_at INTEGER
      );
      CREATE INDEX jobs_state ON jobs (state, created_at);
    `,
  },
  {
    version: 4,
    name: 'replays',
    sql: `
      -- a replay is a video recorded from a live channel's show (its source_key is replay:<channel>/<session>)
      ALTER TABLE videos ADD COLUMN channel_id TEXT;
      ALTER TABLE videos ADD COLUMN recorded_from INTEGER;
      ALTER TABLE videos ADD COLUMN recorded_until INTEGER;
      CREATE INDEX videos_channel ON videos (channel_id, recorded_from);
    `,
  },
  {
    version: 5,
    name: 'devices',
    sql: `
      -- the browsers (viewers) a purchase opens on: the buyer's, then those added by a pairing code or an emailed link
      CREATE TABLE purchase_devices (
        id         TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES purchases (session_id),
        viewer_id  TEXT NOT NULL,
        via        TEXT NOT NULL,
        added_at   INTEGER NOT NULL,
        revoked_at INTEGER,
        UNIQUE (session_id, viewer_id)
      );
      CREATE INDEX purchase_devices_viewer ON purchase_devices (viewer_id);
      INSERT INTO purchase_devices (id, session_id, viewer_id, via, added_at)
        SELECT 'd_' || lower(hex(randomblob(12))), session_id, viewer_id, 'checkout', paid_at FROM purchases;
      CREATE INDEX purchases_email ON purchases (email COLLATE NOCASE);
      -- the demo checkout asks for an address too, as Stripe Checkout does
      ALTER TABLE demo_sessions ADD COLUMN email TEXT;
      -- one-time codes that add a device: a pairing code (from a viewer with access) or an emailed link (to an address)
      CREATE TABLE sign_in_codes (
        hash       TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        viewer_id  TEXT,
        email      TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER
      );
    `,
  },
];
