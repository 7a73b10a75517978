import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log.ts';
import { sendError } from '../origin/http-reply.ts';
import type { CorsPolicy } from '../origin/cors.ts';
import { clientIp, requestScheme } from '../origin/signature-gate.ts';
import type { FolderSigner } from '../signing/signing-pool.ts';
import { pathTokenUrl } from '../signing/path-token.ts';
import { grantSetCookies } from '../signing/signer.ts';
import type { Catalog, CatalogItem } from './catalog.ts';
import { coversReplay, type Entitlements } from './entitlements.ts';
import type { PaymentGateway } from './payment-gateway.ts';
import { createRateLimit } from './rate-limit.ts';
import type { ViewerCookies } from './viewer-cookie.ts';

/** What the box office routes are built from. */
export interface BoxOfficeDeps {
  readonly catalog: Catalog;
  readonly entitlements: Entitlements;
  readonly gateway: PaymentGateway;
  /** Signs playback grants (off the event loop). */
  readonly grants: FolderSigner;
  readonly viewers: ViewerCookies;
  /** Sites that may read the catalog and playback answers cross-origin (with the viewer's cookies). */
  readonly cors: CorsPolicy;
  readonly log: Logger;
  readonly now: () => number;
  readonly publicUrl: string;
  readonly accessHours: number;
  /** Caps a signed URL's lifetime below the entitlement's end (hours); undefined: the entitlement's end. */
  readonly playbackUrlHours: number | undefined;
  readonly bindIp: boolean;
  readonly trustProxy: boolean;
  /** Free items get signed URLs too (a CDN in front requires a signature on every HLS path). */
  readonly signFreeItems: boolean;
  /** The origin mails sign-in links (SMTP_URL): the catalog says so, and the player offers them. */
  readonly emailLinks: boolean;
  /** Live channels have DVR playlists (`dvr.m3u8` beside each master): playback answers carry `dvrUrl`. */
  readonly dvr: boolean;
  /** Live channels have a LL-HLS master beside the standard one (`ll.m3u8`, LIVE_HLS=both): playback answers carry `llUrl`. */
  readonly lowLatency?: boolean;
}

/** The DVR form of a live playback URL: `dvr.m3u8` in place of `master.m3u8`, the signature query kept as it is. */
export const dvrUrlOf = (url: string): string => url.replace(/master\.m3u8(?=\?|$)/, 'dvr.m3u8');

/** The LL-HLS form of a live playback URL: `ll.m3u8` in place of `master.m3u8`, the signature query kept as it is. */
export const llUrlOf = (url: string): string => url.replace(/master\.m3u8(?=\?|$)/, 'll.m3u8');

/** The playback URL of a free item (no signature). */
export const freeUrl = (publicUrl: string, item: CatalogItem): string => `${publicUrl}${item.folder}/master.m3u8`;

/** `GET /api/catalog`, `POST /api/checkout`, `GET /api/playback/<itemId>[?player=url]`. */
export function registerBoxOfficeRoutes(app: FastifyInstance, deps: BoxOfficeDeps): void {
  const perViewer = createRateLimit({ limit: 10, windowMs: 60_000, now: deps.now });
  const perIp = createRateLimit({ limit: 120, windowMs: 60_000, now: deps.now });
  const noStore = (reply: FastifyReply): FastifyReply => reply.header('cache-control', 'no-store');
  const cors = { onRequest: async (req: FastifyRequest, reply: FastifyReply) => void reply.headers(deps.cors.headers(req.headers.origin, false)) };

  app.get('/api/catalog', cors, async (req, reply) => {
    const viewerId = deps.viewers.ensure(req, reply);
    const owned = deps.entitlements.accessByItem(viewerId);
    const items = deps.catalog.list().map(({ folder: _folder, signedEntry: _entry, ...item }) => {
      const access = owned.get(item.id) ?? coversReplay(item.replay && owned.get(item.replay.channelId), item.replay);
      return access ? { ...item, accessUntil: new Date(access.expiresAt).toISOString() } : item;
    });
    return noStore(reply).send({ items, emailLinks: deps.emailLinks });
  });

  app.post('/api/checkout', async (req, reply) => {
    const itemId = (req.body as { itemId?: unknown } | undefined)?.itemId;
    if (typeof itemId !== 'string') return sendError(reply, 400, 'invalid_request', 'send {"itemId": "<id>"}');
    const item = deps.catalog.find(itemId);
    if (!item) return sendError(reply, 404, 'unknown_item', 'no such item'); // never echoed: it could be anything, a stream key too
    if (item.free) return sendError(reply, 400, 'item_is_free', 'this item is free: no purchase needed');
    const viewerId = deps.viewers.ensure(req, reply);
    const limited = [perViewer(viewerId), perIp(clientIp(req.raw, deps.trustProxy))].find((r) => !r.ok);
    if (limited && !limited.ok) {
      return sendError(reply.header('retry-after', String(limited.retryAfterSeconds)), 429, 'rate_limited', 'too many checkouts; try again shortly');
    }
    try {
      const watch = `${deps.publicUrl}/watch/${encodeURIComponent(item.id)}`;
      const { url } = await deps.gateway.createCheckout({ viewerId, item, successUrl: `${watch}?session_id={CHECKOUT_SESSION_ID}`, cancelUrl: watch });
      return noStore(reply).send({ url });
    } catch (e) {
      deps.log.error('checkout could not be created', { item: item.id, error: (e as Error).message });
      return sendError(reply, 502, 'payment_provider_unavailable', 'the payment provider could not start a checkout; try again');
    }
  });

  app.get<{ Params: { itemId: string } }>('/api/playback/:itemId', cors, async (req, reply) => {
    const item = deps.catalog.find(req.params.itemId);
    if (!item) return sendError(reply, 404, 'unknown_item', 'no such item');
    const player = (req.query as { player?: unknown }).player;
    if (player !== undefined && player !== 'url') return sendError(reply, 400, 'invalid_request', 'player may only be "url" (a link for players without variable substitution)');
    noStore(reply);
    // behind a CDN that checks signatures (ENFORCE_SIGNATURES=false) every item is behind the key group, free ones too
    const liveUrls = (url: string): { url: string; dvrUrl?: string; llUrl?: string } =>
      item.kind !== 'live' ? { url } : { url, ...(deps.dvr ? { dvrUrl: dvrUrlOf(url) } : {}), ...(deps.lowLatency ? { llUrl: llUrlOf(url) } : {}) };
    if (item.free && !deps.signFreeItems) return reply.send({ ...liveUrls(freeUrl(deps.publicUrl, item)), expiresAt: null });
    const viewerId = deps.viewers.ensure(req, reply);
    const access = item.free ? { expiresAt: deps.now() + deps.accessHours * 3600_000 } : deps.entitlements.accessTo(viewerId, item);
    if (!access) {
      return reply.code(402).send({
        error: 'payment_required',
        message: `${item.title} needs a purchase: ${deps.accessHours} hours of access`,
        item: { id: item.id, title: item.title, priceCents: item.priceCents, currency: item.currency },
        accessHours: deps.accessHours,
        checkout: { method: 'POST', url: '/api/checkout', body: { itemId: item.id } },
      });
    }
    const cap = deps.playbackUrlHours === undefined ? Infinity : deps.now() + deps.playbackUrlHours * 3600_000;
    const expiresAt = new Date(Math.min(access.expiresAt, cap));
    const ip = deps.bindIp ? clientIp(req.raw, deps.trustProxy) : undefined;
    let grant;
    try {
      grant = await deps.grants.signFolder(item.folder, item.signedEntry, { expiresAt, ...(ip ? { clientIp: ip } : {}) });
    } catch (e) {
      deps.log.error('a playback URL could not be signed', { item: item.id, error: (e as Error).message });
      return sendError(reply, 503, 'signing_unavailable', 'the playback URL could not be signed; try again');
    }
    if (player === 'url') {
      // the signature in the path: VLC, ffplay and TV players follow the plain playlists' relative URIs with it
      const url = pathTokenUrl(grant.url, `${deps.publicUrl}${item.folder}`, item.signedEntry.replace(/(^|\/)q\//, '$1'));
      return reply.send({ ...liveUrls(url), expiresAt: expiresAt.toISOString() });
    }
    const secure = grant.secure || requestScheme(req.raw, deps.trustProxy) === 'https';
    for (const cookie of grantSetCookies({ ...grant, secure })) reply.header('set-cookie', cookie);
    return reply.send({ ...liveUrls(grant.url), expiresAt: expiresAt.toISOString() });
  });
}

/** Confirms a checkout when the viewer returns to its success URL (the webhook may be late); never fails the page. */
export async function confirmReturn(req: FastifyRequest, deps: Pick<BoxOfficeDeps, 'gateway' | 'entitlements' | 'log'>): Promise<void> {
  const sessionId = (req.query as { session_id?: unknown }).session_id;
  if (typeof sessionId !== 'string' || sessionId.length > 256) return;
  try {
    const payment = await deps.gateway.confirm(sessionId);
    if (payment) deps.entitlements.fulfil(payment);
  } catch (e) {
    deps.log.warn('could not confirm a returning checkout; the webhook will grant it', { error: (e as Error).message });
  }
}
