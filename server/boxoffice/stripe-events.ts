import type Stripe from 'stripe';
import type { Payment } from '../db/purchase-repository.ts';
import { paymentFromSession } from './stripe-gateway.ts';

/** What a Stripe event asks of the box office. */
export type EventAction =
  | { kind: 'grant'; payment: Payment }
  | { kind: 'revoke'; paymentIntent: string; reason: string }
  | { kind: 'ignore'; reason: string };

const intentId = (v: string | { id: string } | null | undefined): string | undefined => (typeof v === 'string' ? v : v?.id);

/** Reads a verified Stripe event: paid checkouts grant (from the moment of payment), full refunds and disputes revoke. */
export function interpretEvent(event: Stripe.Event): EventAction {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const payment = paymentFromSession(event.data.object, event.created * 1000);
      return payment ? { kind: 'grant', payment } : { kind: 'ignore', reason: 'session not paid (yet) or not ours' };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const intent = intentId(charge.payment_intent);
      if (!intent) return { kind: 'ignore', reason: 'charge without a payment intent' };
      // a partial refund leaves a paid purchase standing; a full refund ends it
      return charge.refunded ? { kind: 'revoke', paymentIntent: intent, reason: 'refunded' } : { kind: 'ignore', reason: 'partial refund' };
    }
    case 'charge.dispute.created': {
      const intent = intentId(event.data.object.payment_intent);
      return intent ? { kind: 'revoke', paymentIntent: intent, reason: 'disputed' } : { kind: 'ignore', reason: 'dispute without a payment intent' };
    }
    default:
      return { kind: 'ignore', reason: `unhandled event type ${event.type}` };
  }
}
