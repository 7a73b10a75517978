import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { CHANNEL_NAME, type Channel, type ChannelRepository } from '../db/channel-repository.ts';
import { obsRtmpsUrl, obsServerUrl, rtmptUrl } from '../ingest/obs-settings.ts';
import { generateStreamKey } from '../ingest/stream-keys.ts';
import { sendError } from '../origin/http-reply.ts';
import type { AdminGuard } from './admin-auth.ts';

/** Largest price accepted, in cents. */
export const MAX_PRICE_CENTS = 100_000_00;

/** A channel request, checked; or what is wrong with it. */
export type ChannelInput = { ok: true; id: string; title: string; priceCents: number } | { ok: false; message: string };

/** Checks the fields of a new channel (shared by the admin API and the CLI). */
export function checkChannelInput(name: unknown, title: unknown, priceCents: unknown): ChannelInput {
  if (typeof name !== 'string' || !CHANNEL_NAME.test(name)) return { ok: false, message: 'name: lowercase letters, digits and dashes, 1-63 characters' };
  const t = title === undefined ? name : title;
  if (typeof t !== 'string' || t.trim() === '' || t.length > 200) return { ok: false, message: 'title: 1-200 characters' };
  const p = priceCents ?? 0;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > MAX_PRICE_CENTS) return { ok: false, message: `priceCents: a whole number 0..${MAX_PRICE_CENTS}` };
  return { ok: true, id: name, title: t.trim(), priceCents: p };
}

/** Creates a channel with a fresh stream key; undefined when the name is taken. */
export function createChannel(repo: ChannelRepository, input: { id: string; title: string; priceCents: number }): Channel | undefined {
  if (repo.get(input.id)) return undefined;
  return repo.create({ ...input, streamKey: generateStreamKey() });
}

/** What the channel list shows of a live channel beyond the database: its state, load, input and audience. */
export interface ChannelLiveView {
  state(id: string): string;
  stats(id: string): { realtime?: number; cpuCores?: number; bitrateInKbps?: number };
  viewersNow(id: string): number;
  /** A JPEG of the channel's newest frame while on air. */
  thumbnail(id: string): Promise<Buffer | undefined>;
  lastRefusal?(id: string): { reason: string; at: number } | undefined;
}

/**
 * `POST /api/admin/channels`, `PATCH /api/admin/channels/<id>` (title, price), `GET /api/admin/channels`,
 * `POST /api/admin/channels/<id>/stream-key` (a new key) and `GET /api/admin/channels/<id>/thumbnail.jpg`, behind the admin guard.
 */
export function registerChannelRoutes(app: FastifyInstance, deps: { channels: ChannelRepository; admin: AdminGuard; config: Config; live: ChannelLiveView }): void {
  const guard = { onRequest: deps.admin };
  const obs = (streamKey: string) => ({ server: obsServerUrl(deps.config), streamKey, ...(obsRtmpsUrl(deps.config) ? { rtmpsServer: obsRtmpsUrl(deps.config) } : {}), rtmptServer: rtmptUrl(deps.config) });
  app.post('/api/admin/channels', guard, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = checkChannelInput(body.name, body.title, body.priceCents);
    if (!input.ok) return sendError(reply, 400, 'invalid_channel', input.message);
    const channel = createChannel(deps.channels, input);
    if (!channel) return sendError(reply, 409, 'channel_exists', `a channel named "${input.id}" already exists`);
    return reply.code(201).header('cache-control', 'no-store').send({ id: channel.id, streamKey: channel.streamKey, obs: obs(channel.streamKey) });
  });
  app.patch<{ Params: { id: string } }>('/api/admin/channels/:id', guard, async (req, reply) => {
    // `[]`, `null`, `42` or no body at all are no patch: refused rather than applied as "change nothing"
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return sendError(reply, 400, 'invalid_channel', 'send a JSON object such as {"priceCents": 499}');
    const body = req.body as Record<string, unknown>;
    const existing = deps.channels.get(req.params.id);
    if (!existing) return sendError(reply, 404, 'unknown_channel', 'no such channel');
    const input = checkChannelInput(existing.id, body.title ?? existing.title, body.priceCents ?? existing.priceCents);
    if (!input.ok) return sendError(reply, 400, 'invalid_channel', input.message);
    const c = deps.channels.update(existing.id, { title: input.title, priceCents: input.priceCents })!;
    return reply.header('cache-control', 'no-store').send({ id: c.id, title: c.title, priceCents: c.priceCents, currency: c.currency });
  });
  // a new key takes effect at the next publish: a show on air is not cut off
  app.post<{ Params: { id: string } }>('/api/admin/channels/:id/stream-key', guard, async (req, reply) => {
    if (!deps.channels.get(req.params.id)) return sendError(reply, 404, 'unknown_channel', 'no such channel');
    const c = deps.channels.update(req.params.id, { streamKey: generateStreamKey() })!;
    return reply.header('cache-control', 'no-store').send({ streamKey: c.streamKey, obs: obs(c.streamKey) });
  });
  app.get<{ Params: { id: string } }>('/api/admin/channels/:id/thumbnail.jpg', guard, async (req, reply) => {
    if (!deps.channels.get(req.params.id)) return sendError(reply, 404, 'unknown_channel', 'no such channel');
    const jpeg = await deps.live.thumbnail(req.params.id);
    if (!jpeg) return sendError(reply, 404, 'offline', 'the channel is not on air');
    return reply.header('cache-control', 'private, no-store').type('image/jpeg').send(jpeg);
  });
  app.get('/api/admin/channels', guard, async (_req, reply) =>
    reply.header('cache-control', 'no-store').send({
      channels: deps.channels.list().map((c) => {
        const refused = deps.live.lastRefusal?.(c.id);
        const lastRefusal = refused && { reason: refused.reason, at: new Date(refused.at).toISOString() };
        const state = deps.live.state(c.id);
        return {
          id: c.id, title: c.title, priceCents: c.priceCents, currency: c.currency, streamKey: c.streamKey, online: state === 'live', state,
          viewers: deps.live.viewersNow(c.id), stats: deps.live.stats(c.id), obs: obs(c.streamKey), ...(lastRefusal ? { lastRefusal } : {}),
        };
      }),
    }),
  );
}
