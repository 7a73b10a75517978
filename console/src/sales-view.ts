import { el, formatMoney } from './format.ts';
import type { Page } from './page.ts';
import { createPurchases, createTotals } from './sales-tables.ts';
import type { Sales } from './types.ts';

/** How often the sales are fetched again, in ms. */
const SALES_MS = 5000;

/** The sales page: totals per item and per day, every purchase with a Refund on paid ones, and the CSV export. */
export const renderSales: Page = async (root, ctx) => {
  const totals = createTotals();
  const refresh = async (): Promise<void> => {
    try {
      const sales = await ctx.api.get<Sales>('/api/admin/sales');
      if (!ctx.scope.active) return;
      totals.show(sales.totals);
      purchases.show(sales.purchases);
    } catch (e) {
      ctx.fail(e);
    }
  };
  const purchases = createPurchases(async (p) => {
    const amount = formatMoney(p.amountCents, p.currency);
    if (!window.confirm(`Refund ${amount} for “${p.title}”${p.email ? ` to ${p.email}` : ''}? Their access ends now.`)) return;
    await ctx.api.send('POST', `/api/admin/purchases/${encodeURIComponent(p.sessionId)}/refund`);
    ctx.say(`Refunded ${amount} for “${p.title}”.`);
    await refresh();
  }, ctx.fail);
  const exportCsv = el('a', { id: 'export-csv', class: 'button', href: '/api/admin/sales.csv', download: '' }, 'Export CSV');
  root.replaceChildren(
    el('div', { class: 'title-bar' }, el('h1', {}, 'Sales'), exportCsv),
    totals.node,
    el('section', {}, el('h2', {}, 'Purchases'), purchases.node),
  );
  await refresh();
  ctx.scope.every(SALES_MS, refresh);
};
