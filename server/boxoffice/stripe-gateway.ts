import Stripe from 'stripe';
import type { Payment } from '../db/purchase-repository.ts';
import type { PaymentGateway } from './payment-gateway.ts';

/** The Stripe API version this code is written against (pinned, not the account default). */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** A Stripe client; `apiUrl` points the SDK elsewhere (tests use a local double of Stripe's API). */
export function createStripeClient(secretKey: string, apiUrl?: string): Stripe {
  const target = apiUrl ? new URL(apiUrl) : undefined;
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION as Stripe.StripeConfig['apiVersion'],
    maxNetworkRetries: 2,
    timeout: 10_000,
    ...(target
      ? { host: target.hostname, port: Number(target.port || (target.protocol === 'https:' ? 443 : 80)), protocol: target.protocol.replace(':', '') as 'http' | 'https' }
      : {}),
  });
}

/** The payment a Checkout Session records, if it is paid and carries our metadata. */
export function paymentFromSession(s: Stripe.Checkout.Session, paidAt: number): Payment | undefined {
  const viewerId = s.metadata?.viewerId ?? s.client_reference_id ?? undefined;
  const itemId = s.metadata?.itemId;
  if (s.payment_status !== 'paid' || !viewerId || !itemId) return undefined;
  const intent = typeof s.payment_intent === 'string' ? s.payment_intent : s.payment_intent?.id;
  return {
    sessionId: s.id,
    paymentIntent: intent ?? undefined,
    viewerId,
    itemId,
    email: s.customer_details?.email ?? undefined,
    amountCents: s.amount_total ?? 0,
    currency: s.currency ?? 'usd',
    paidAt,
  };
}

/** Stripe Checkout through the official SDK. */
export function createStripeGateway(stripe: Stripe, opts: { accessHours: number; now: () => number }): PaymentGateway {
  return {
    mode: 'stripe',
    async createCheckout({ viewerId, item, successUrl, cancelUrl }) {
      const metadata = { viewerId, itemId: item.id };
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: item.currency,
              unit_amount: item.priceCents,
              product_data: { name: item.title, description: `${opts.accessHours} hours of access` },
            },
          },
        ],
        client_reference_id: viewerId,
        metadata,
        payment_intent_data: { metadata },
        success_url: successUrl,
        cancel_url: cancelUrl,
      });
      if (!session.url) throw new Error('Stripe returned a session without a URL');
      return { id: session.id, url: session.url };
    },
    async confirm(sessionId) {
      if (!/^cs_[A-Za-z0-9_]{1,200}$/.test(sessionId)) return undefined;
      return paymentFromSession(await stripe.checkout.sessions.retrieve(sessionId), opts.now());
    },
    async refund(paymentIntent) {
      // the idempotency key makes a retried click one refund, not two
      await stripe.refunds.create({ payment_intent: paymentIntent }, { idempotencyKey: `refund-${paymentIntent}` });
    },
  };
}
