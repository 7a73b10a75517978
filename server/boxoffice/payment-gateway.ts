import type { Payment } from '../db/purchase-repository.ts';
import type { CatalogItem } from './catalog.ts';

/** What a checkout is started with. */
export interface CheckoutRequest {
  readonly viewerId: string;
  readonly item: CatalogItem;
  readonly successUrl: string;
  readonly cancelUrl: string;
}

/** Where payments happen: Stripe Checkout, or the demo checkout when no Stripe keys are set. */
export interface PaymentGateway {
  readonly mode: 'stripe' | 'demo';
  /** Starts a checkout; the viewer is sent to `url`. */
  createCheckout(req: CheckoutRequest): Promise<{ id: string; url: string }>;
  /** The payment of a checkout session if it is paid, else undefined. */
  confirm(sessionId: string): Promise<Payment | undefined>;
  /** Returns a payment's money in full (Stripe: a refund of the payment intent; the demo: nothing moves). */
  refund(paymentIntent: string): Promise<void>;
}
