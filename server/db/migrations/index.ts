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
];
