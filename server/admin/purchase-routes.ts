import type { FastifyInstance } from 'fastify';
import type { Device, DeviceRepository } from '../db/device-repository.ts';
import type { Purchase, PurchaseRepository } from '../db/purchase-repository.ts';
import { sendError } from '../origin/http-reply.ts';
import type { AdminGuard } from './admin-auth.ts';

/** A purchase as the admin API shows it: its state and the devices it is open on (no viewer ids). */
export function purchaseView(p: Purchase, devices: readonly Device[], now: number): Record<string, unknown> {
  const state = p.revokedAt !== undefined ? p.revokeReason ?? 'revoked' : p.expiresAt > now ? 'running' : 'ended';
  return {
    sessionId: p.sessionId,
    itemId: p.itemId,
    email: p.email ?? null,
    amountCents: p.amountCents,
    currency: p.currency,
    paidAt: new Date(p.paidAt).toISOString(),
    expiresAt: new Date(p.expiresAt).toISOString(),
    state,
    devices: devices.map(deviceView),
  };
}

/** A device as the admin API shows it. */
export const deviceView = (d: Device): Record<string, unknown> => ({
  id: d.id,
  via: d.via,
  addedAt: new Date(d.addedAt).toISOString(),
  revokedAt: d.revokedAt === undefined ? null : new Date(d.revokedAt).toISOString(),
});

/** `GET /api/admin/purchases[?email=&item=]`, `GET /api/admin/purchases/<session>/devices`, `DELETE …/devices/<device>`. */
export function registerPurchaseRoutes(app: FastifyInstance, deps: { purchases: PurchaseRepository; devices: DeviceRepository; admin: AdminGuard; maxDevices: number; now: () => number }): void {
  const guard = { onRequest: deps.admin };
  app.get<{ Querystring: { email?: string; item?: string } }>('/api/admin/purchases', guard, async (req, reply) => {
    const { email, item } = req.query;
    const list = deps.purchases.list({ ...(email ? { email } : {}), ...(item ? { itemId: item } : {}), limit: 500 });
    return reply.header('cache-control', 'no-store').send({ purchases: list.map((p) => purchaseView(p, deps.devices.list(p.sessionId), deps.now())), maxDevicesPerPurchase: deps.maxDevices });
  });
  app.get<{ Params: { session: string } }>('/api/admin/purchases/:session/devices', guard, async (req, reply) => {
    if (!deps.purchases.bySession(req.params.session)) return sendError(reply, 404, 'unknown_purchase', 'no such purchase');
    return reply.header('cache-control', 'no-store').send({ devices: deps.devices.list(req.params.session).map(deviceView), maxDevicesPerPurchase: deps.maxDevices });
  });
  app.delete<{ Params: { session: string; device: string } }>('/api/admin/purchases/:session/devices/:device', guard, async (req, reply) => {
    if (!deps.devices.revoke(req.params.session, req.params.device, deps.now())) return sendError(reply, 404, 'unknown_device', 'this purchase has no such device (or it was removed already)');
    return reply.code(204).send();
  });
}
