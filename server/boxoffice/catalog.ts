import type { ChannelRepository } from '../db/channel-repository.ts';
import { VIDEO_ID, type Video, type VideoRepository } from '../db/video-repository.ts';

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
  /** The signed-URL form's master playlist inside the folder: `q/master.m3u8`, below the current version for a video (no redirect a CDN would strip the query from). */
  readonly signedEntry: string;
  readonly online?: boolean;
  readonly durationSec?: number;
  readonly posterUrl?: string;
  /** A replay: the channel whose show it recorded and when the show ran (ISO times). */
  readonly replay?: { readonly channelId: string; readonly from: string; readonly until: string };
}

/** Every item on offer. */
export interface Catalog {
  list(): CatalogItem[];
  find(id: string): CatalogItem | undefined;
}

/** What channels and videos have in common as things for sale. */
type Offer = { id: string; title: string; priceCents: number; currency: string };

/** The fields every catalog item has; its folder is `/<kind>/<id>`. */
function offer(o: Offer, kind: CatalogItem['kind']): CatalogItem {
  return { id: o.id, kind, title: o.title, priceCents: o.priceCents, currency: o.currency, free: o.priceCents === 0, folder: `/${kind}/${o.id}`, signedEntry: 'q/master.m3u8' };
}

/** The catalog over the channels and the videos that have a packaged version. */
export function createCatalog(deps: { channels: ChannelRepository; videos: VideoRepository; publicUrl: string; isOnline(channelId: string): boolean }): Catalog {
  const liveItem = (c: Offer): CatalogItem => ({ ...offer(c, 'live'), online: deps.isOnline(c.id) });
  const vodItem = (v: Video): CatalogItem | undefined =>
    v.version === undefined
      ? undefined
      : {
          ...offer(v, 'vod'),
          signedEntry: `${v.version}/q/master.m3u8`,
          ...(v.durationSec !== undefined ? { durationSec: Math.round(v.durationSec * 10) / 10 } : {}),
          posterUrl: `${deps.publicUrl}/vod/${v.id}/${v.version}/poster.jpg`,
          ...(v.channelId !== undefined
            ? { replay: { channelId: v.channelId, from: new Date(v.recordedFrom!).toISOString(), until: new Date(v.recordedUntil!).toISOString() } }
            : {}),
        };
  return {
    list: () => [...deps.channels.list().map(liveItem), ...deps.videos.list().flatMap((v) => vodItem(v) ?? [])],
    find: (id) => {
      if (VIDEO_ID.test(id)) {
        const v = deps.videos.get(id);
        return v && vodItem(v);
      }
      const c = deps.channels.get(id);
      return c && liveItem(c);
    },
  };
}
