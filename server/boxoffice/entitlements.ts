import type { Payment, Purchase, PurchaseRepository } from '../db/purchase-repository.ts';
import type { CatalogItem } from './catalog.ts';

/** Access bought with payments: granted once per checkout, for ACCESS_HOURS from the payment, revocable. */
export interface Entitlements {
  /** Grants a paid checkout (idempotent: a session grants once, and never after its refund or dispute). */
  fulfil(payment: Payment): { granted: boolean; purchase: Purchase | undefined };
  /** Revokes what a payment intent bought (refund, dispute), now and for any grant that arrives later. */
  revoke(paymentIntent: string, reason: string): number;
  /** The viewer's running access to an item, if any. */
  access(viewerId: string, itemId: string): Purchase | undefined;
  /** Every running access of a viewer, by item. */
  accessByItem(viewerId: string): Map<string, Purchase>;
  /** The viewer's running access to an item; a replay is also covered by their channel's purchase (see coversReplay). */
  accessTo(viewerId: string, item: Pick<CatalogItem, 'id' | 'replay'>): Purchase | undefined;
}

/** Whether a purchase of a live channel covers a replay of its show: bought before the show ended (and, being active, still running). */
export function coversReplay(channelPurchase: Purchase | undefined, replay: CatalogItem['replay']): Purchase | undefined {
  return channelPurchase && replay && channelPurchase.paidAt <= Date.parse(replay.until) ? channelPurchase : undefined;
}

/** Builds the entitlements over the purchase store and a clock. */
export function createEntitlements(deps: { purchases: PurchaseRepository; accessHours: number; now: () => number }): Entitlements {
  const { purchases, accessHours, now } = deps;
  return {
    fulfil(payment) {
      const granted = purchases.grant(payment, payment.paidAt + accessHours * 3600_000);
      return { granted, purchase: purchases.bySession(payment.sessionId) };
    },
    revoke: (paymentIntent, reason) => purchases.revoke(paymentIntent, reason, now()),
    access: (viewerId, itemId) => purchases.active(viewerId, itemId, now()),
    accessByItem: (viewerId) => purchases.activeForViewer(viewerId, now()),
    accessTo: (viewerId, item) =>
      purchases.active(viewerId, item.id, now()) ?? (item.replay ? coversReplay(purchases.active(viewerId, item.replay.channelId, now()), item.replay) : undefined),
  };
}
