import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Payment, PurchaseRepository } from '../db/purchase-repository.ts';
import { sendError } from '../origin/http-reply.ts';
import type { Catalog } from './catalog.ts';
import type { Entitlements } from './entitlements.ts';
import type { PaymentGateway } from './payment-gateway.ts';
import type { ViewerCookies } from './viewer-cookie.ts';

const DEMO_ID = /^demo_[A-Za-z0-9_-]{22}$/;

/** The demo checkout: a local page instead of Stripe, fulfilled through the same code as a real payment. */
export function createDemoGateway(deps: { purchases: PurchaseRepository; publicUrl: string; now: () => number }): PaymentGateway {
  const toPayment = (id: string): Payment | undefined => {
    const s = deps.purchases.demoSession(id);
    if (!s?.paidAt) return undefined;
    return { sessionId: s.id, paymentIntent: s.id, viewerId: s.viewerId, itemId: s.itemId, email: s.email, amountCents: s.amountCents, currency: s.currency, paidAt: s.paidAt };
  };
  return {
    mode: 'demo',
    async createCheckout({ viewerId, item }) {
      const id = `demo_${crypto.randomBytes(16).toString('base64url')}`;
      deps.purchases.createDemoSession({ id, viewerId, itemId: item.id, amountCents: item.priceCents, currency: item.currency, createdAt: deps.now() });
      return { id, url: `${deps.publicUrl}/demo-checkout/${id}` };
    },
    confirm: async (id) => (DEMO_ID.test(id) ? toPayment(id) : undefined),
    refund: async () => undefined, // no money moved: the box office's revocation is the whole refund
  };
}

/** The demo form's email field, when it holds something like an address. */
function demoEmail(form: string): { email?: string } {
  const email = new URLSearchParams(form).get('email')?.trim();
  return email && /^[^\s@]{1,64}@[^\s@]{1,190}$/.test(email) ? { email } : {};
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `GET /demo-checkout/<id>` (the page) and `POST /demo-checkout/<id>` (pay): only in demo mode. */
export function registerDemoCheckoutRoutes(
  app: FastifyInstance,
  deps: { purchases: PurchaseRepository; catalog: Catalog; entitlements: Entitlements; gateway: PaymentGateway; viewers: ViewerCookies; accessHours: number; now: () => number },
): void {
  const owned = (id: string, viewerId: string | undefined) => {
    const s = DEMO_ID.test(id) ? deps.purchases.demoSession(id) : undefined;
    return s && s.viewerId === viewerId ? s : undefined;
  };
  app.get<{ Params: { id: string } }>('/demo-checkout/:id', async (req, reply) => {
    const session = owned(req.params.id, deps.viewers.read(req));
    if (!session) return sendError(reply, 404, 'unknown_checkout', 'no such checkout for this viewer');
    const item = deps.catalog.find(session.itemId);
    const title = escapeHtml(item?.title ?? session.itemId);
    const price = `${(session.amountCents / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
    const cancel = `/watch/${encodeURIComponent(session.itemId)}`;
    return reply
      .header('cache-control', 'no-store')
      // the page is static apart from its inline styles: nothing else may load or run
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .type('text/html; charset=utf-8')
      .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo checkout: ${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
.note{background:#fff4d6;border:1px solid #e0b84c;padding:.75rem 1rem;border-radius:.5rem}
button{font-size:1.1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#1a7f37;color:#fff;cursor:pointer}</style>
</head><body>
<h1>Demo checkout</h1>
<p class="note" role="note"><strong>No money moves.</strong> This origin runs without Stripe keys, so purchases are simulated.
Set <code>STRIPE_SECRET_KEY</code> and <code>STRIPE_WEBHOOK_SECRET</code> to take real payments.</p>
<p><strong>${title}</strong>: ${price} for ${deps.accessHours} hours of access.</p>
<form method="post" action="/demo-checkout/${session.id}">
<p><label>Email (optional: for a sign-in link on your other devices)<br><input type="email" name="email" autocomplete="email" maxlength="254"></label></p>
<button type="submit">Complete demo purchase</button></form>
<p><a href="${cancel}">Cancel and go back</a></p>
</body></html>`);
  });
  // the page's form posts application/x-www-form-urlencoded with an optional email: accept it on this route only
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => done(null, demoEmail(body as string)));
    scope.post<{ Params: { id: string } }>('/demo-checkout/:id', async (req, reply) => {
      const session = owned(req.params.id, deps.viewers.read(req));
      if (!session) return sendError(reply, 404, 'unknown_checkout', 'no such checkout for this viewer');
      deps.purchases.markDemoPaid(session.id, deps.now(), (req.body as { email?: string } | undefined)?.email);
      const payment = await deps.gateway.confirm(session.id);
      if (payment) deps.entitlements.fulfil(payment);
      return reply.code(303).header('location', `/watch/${encodeURIComponent(session.itemId)}?session_id=${session.id}`).send();
    });
  });
}
