import type { ChannelRepository } from '../db/channel-repository.ts';

/** Something a viewer can watch and perhaps buy. */
export interface CatalogItem {
  readonly id: string;
  readonly kind: 'live' | 'vod';
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly free: boolean;
  /** The item's folder below PUBLIC_URL: a signature for it opens everything inside. */
  readonly folder: string;
  readonly online?: boolean;
  readonly durationSec?: number;
  readonly posterUrl?: string;
}

/** Every item on offer. */
export interface Catalog {
  list(): CatalogItem[];
  find(id: string): CatalogItem | undefined;
}

/** The catalog over the channels (and, later, the videos). */
export function createCatalog(deps: { channels: ChannelRepository; isOnline(channelId: string): boolean }): Catalog {
  const liveItem = (c: { id: string; title: string; priceCents: number; currency: string }): CatalogItem => ({
    id: c.id,
    kind: 'live',
    title: c.title,
    priceCents: c.priceCents,
    currency: c.currency,
    free: c.priceCents === 0,
    folder: `/live/${c.id}`,
    online: deps.isOnline(c.id),
  });
  return {
    list: () => deps.channels.list().map(liveItem),
    find: (id) => {
      const c = deps.channels.get(id);
      return c && liveItem(c);
    },
  };
}
