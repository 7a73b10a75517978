import type { FastifyInstance } from 'fastify';
import type { PaymentGateway } from '../boxoffice/payment-gateway.ts';
import type { PurchaseRepository } from '../db/purchase-repository.ts';
import type { Logger } from '../log.ts';
import { sendError } from '../origin/http-reply.ts';
import type { AdminGuard } from './admin-auth.ts';
import { saleOf, salesCsv, salesTotals, type Sale } from './sales.ts';

/** Most purchases the sales page and its CSV cover (newest first). */
const SALES_LIMIT = 10_000;

/** `GET /api/admin/sales` (purchases and totals), `GET /api/admin/sales.csv`, `POST /api/admin/purchases/<session>/refund`, behind the admin guard. */
export function registerSalesRoutes(app: FastifyInstance, deps: {
  purchases: PurchaseRepository; gateway: PaymentGateway; admin: AdminGuard; titleOf(itemId: string): string | undefined;
  revoke(paymentIntent: string, reason: string): number; log: Logger; now: () => number;
}): void {
  const guard = { onRequest: deps.admin };
  const sales = (): Sale[] => deps.purchases.list({ limit: SALES_LIMIT }).map((p) => saleOf(p, deps.titleOf(p.itemId) ?? p.itemId, deps.now()));
  app.get('/api/admin/sales', guard, async (_req, reply) => {
    const all = sales();
    return reply.header('cache-control', 'no-store').send({ purchases: all, totals: salesTotals(all) });
  });
  app.get('/api/admin/sales.csv', guard, async (_req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="sales-${new Date(deps.now()).toISOString().slice(0, 10)}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(salesCsv(sales())),
  );
  app.post<{ Params: { session: string } }>('/api/admin/purchases/:session/refund', guard, async (req, reply) => {
    const purchase = deps.purchases.bySession(req.params.session);
    if (!purchase) return sendError(reply, 404, 'unknown_purchase', 'no such purchase');
    if (purchase.revokeReason === 'refunded' || purchase.revokeReason === 'disputed' || !purchase.paymentIntent) {
      return sendError(reply, 409, 'not_refundable', purchase.paymentIntent ? `this purchase is already ${purchase.revokeReason}` : 'this purchase has no payment to refund');
    }
    try {
      await deps.gateway.refund(purchase.paymentIntent);
    } catch (e) {
      deps.log.error('a refund failed at the payment provider', { session: purchase.sessionId, error: (e as Error).message });
      return sendError(reply, 502, 'refund_failed', `the payment provider refused the refund: ${(e as Error).message}`);
    }
    // access ends now; Stripe's charge.refunded webhook, when it comes, finds it revoked already
    deps.revoke(purchase.paymentIntent, 'refunded');
    deps.log.info('purchase refunded from the console', { session: purchase.sessionId, item: purchase.itemId });
    return reply.header('cache-control', 'no-store').send({ state: 'refunded' });
  });
}
