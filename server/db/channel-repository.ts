import type { Db } from './database.ts';

/** A live channel as stored. */
export interface Channel {
  readonly id: string;
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly streamKey: string;
  readonly createdAt: number;
}

/** Channel names: lowercase slug, used in URLs and stream paths. */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

interface ChannelRow {
  id: string;
  title: string;
  price_cents: number;
  currency: string;
  stream_key: string;
  created_at: number;
}

/** The SQL for channels. */
export interface ChannelRepository {
  create(channel: Omit<Channel, 'createdAt' | 'currency'> & { currency?: string }): Channel;
  get(id: string): Channel | undefined;
  findByStreamKey(streamKey: string): Channel | undefined;
  list(): Channel[];
  /** Changes a channel's title, price or stream key; the updated channel, or undefined when unknown. */
  update(id: string, changes: { title?: string; priceCents?: number; streamKey?: string }): Channel | undefined;
}

/** Builds the channel repository over an open database. */
export function createChannelRepository(db: Db): ChannelRepository {
  const insert = db.prepare('INSERT INTO channels (id, title, price_cents, currency, stream_key, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT * FROM channels WHERE id = ?');
  const byKey = db.prepare('SELECT * FROM channels WHERE stream_key = ?');
  const all = db.prepare('SELECT * FROM channels ORDER BY created_at, id');
  const setFields = db.prepare('UPDATE channels SET title = COALESCE(@title, title), price_cents = COALESCE(@priceCents, price_cents), stream_key = COALESCE(@streamKey, stream_key) WHERE id = @id');
  const toChannel = (r: ChannelRow): Channel => ({
    id: r.id,
    title: r.title,
    priceCents: r.price_cents,
    currency: r.currency,
    streamKey: r.stream_key,
    createdAt: r.created_at,
  });
  return {
    create(c) {
      const createdAt = Date.now();
      const currency = c.currency ?? 'usd';
      insert.run(c.id, c.title, c.priceCents, currency, c.streamKey, createdAt);
      return { ...c, currency, createdAt };
    },
    get: (id) => {
      const r = byId.get(id) as ChannelRow | undefined;
      return r && toChannel(r);
    },
    findByStreamKey: (key) => {
      const r = byKey.get(key) as ChannelRow | undefined;
      return r && toChannel(r);
    },
    list: () => (all.all() as ChannelRow[]).map(toChannel),
    update(id, changes) {
      setFields.run({ id, title: changes.title ?? null, priceCents: changes.priceCents ?? null, streamKey: changes.streamKey ?? null });
      const r = byId.get(id) as ChannelRow | undefined;
      return r && toChannel(r);
    },
  };
}
