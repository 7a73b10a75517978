import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import type { PurchaseRepository } from '../db/purchase-repository.ts';
import type { Logger } from '../log.ts';
import { sendError } from '../origin/http-reply.ts';
import type { Entitlements } from './entitlements.ts';
import { interpretEvent } from './stripe-events.ts';

/** True when a signed body has the shape of an event (`null`, `[]` or `{}` are valid JSON but no event). */
function isEventShaped(e: unknown): e is Stripe.Event {
  const ev = e as Partial<Record<string, unknown>> | null;
  const data = ev?.data as Partial<Record<string, unknown>> | null | undefined;
  return typeof ev === 'object' && ev !== null && typeof ev.id === 'string' && typeof ev.type === 'string' && Number.isFinite(ev.created) && typeof data?.object === 'object' && data.object !== null;
}

/**
 * `POST /api/stripe/webhook`: the signature is checked on the raw body (a JSON parser scoped to this
 * route keeps the bytes); each event id is handled once; grants and revocations share one transaction
 * with the event record, so a crash never applies an event twice or loses it.
 */
export function registerStripeWebhook(
  app: FastifyInstance,
  deps: { stripe: Stripe | undefined; webhookSecret: string | undefined; purchases: PurchaseRepository; entitlements: Entitlements; log: Logger; now: () => number },
): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/api/stripe/webhook', async (req, reply) => {
      if (!deps.stripe || !deps.webhookSecret) return sendError(reply, 400, 'stripe_not_configured', 'this origin runs the demo checkout; set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
      const signature = req.headers['stripe-signature'];
      let event: Stripe.Event;
      try {
        event = deps.stripe.webhooks.constructEvent(req.body as Buffer, typeof signature === 'string' ? signature : '', deps.webhookSecret);
      } catch {
        deps.log.warn('stripe webhook refused: bad or missing signature', { ip: req.ip });
        return sendError(reply, 400, 'bad_signature', 'the Stripe-Signature header does not match this body');
      }
      if (!isEventShaped(event)) return sendError(reply, 400, 'bad_event', 'the body is not a Stripe event');
      const action = interpretEvent(event);
      const fresh = deps.purchases.transaction(() => {
        if (!deps.purchases.recordEvent(event.id, event.type, deps.now())) return false;
        if (action.kind === 'grant') deps.entitlements.fulfil(action.payment);
        if (action.kind === 'revoke') deps.entitlements.revoke(action.paymentIntent, action.reason);
        return true;
      });
      deps.log.info('stripe event', { id: event.id, type: event.type, action: action.kind, duplicate: !fresh, ...(action.kind === 'ignore' ? { reason: action.reason } : {}) });
      return reply.send({ received: true, duplicate: !fresh });
    });
  });
}
