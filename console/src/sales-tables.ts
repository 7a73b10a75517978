import { actionButton, createTable, emptyRow } from './dom.ts';
import { el, formatMoney, formatTime } from './format.ts';
import type { Purchase, Sales, Total } from './types.ts';

/** Columns of the totals tables after their first (the item or the day). */
const TOTAL_COLUMNS = ['Sold', 'Refunded', 'Gross', 'Net'] as const;

/** The figures of a total as cells. */
const totalCells = (t: Total): HTMLTableCellElement[] =>
  [String(t.sold), String(t.refunded), formatMoney(t.grossCents, t.currency), formatMoney(t.netCents, t.currency)].map((v) => el('td', { class: 'number' }, v));

/** The totals per item and per day, as two tables; `show` fills them. */
export function createTotals(): { node: HTMLElement; show(totals: Sales['totals']): void } {
  const byItem = createTable('totals-by-item', ['Item', ...TOTAL_COLUMNS]);
  const byDay = createTable('totals-by-day', ['Day', ...TOTAL_COLUMNS]);
  const node = el('div', { class: 'totals' }, el('section', {}, el('h2', {}, 'Per item'), byItem.table), el('section', {}, el('h2', {}, 'Per day'), byDay.table));
  return {
    node,
    show(totals) {
      const none = emptyRow(5, 'No sales yet.');
      byItem.body.replaceChildren(...(totals.byItem.length > 0 ? totals.byItem.map((t) => el('tr', { 'data-item': t.itemId, 'data-currency': t.currency }, el('td', {}, t.title), ...totalCells(t))) : [none]));
      byDay.body.replaceChildren(...(totals.byDay.length > 0 ? totals.byDay.map((t) => el('tr', { 'data-day': t.day, 'data-currency': t.currency }, el('td', {}, t.day), ...totalCells(t))) : [none.cloneNode(true)]));
    },
  };
}

/** What can be done about a purchase: a refund while it is paid. */
export type Refund = (p: Purchase) => Promise<void>;

/** The purchases, newest first, with a Refund button on each paid one; `show` fills the table. */
export function createPurchases(refund: Refund, fail: (e: unknown) => void): { node: HTMLElement; show(purchases: readonly Purchase[]): void } {
  const headings = ['Time', 'Item', 'Email', 'Amount', 'State', 'Access', ''];
  const { table, body } = createTable('purchases', headings);
  const row = (p: Purchase): HTMLTableRowElement => {
    const action = p.state === 'paid' ? actionButton('Refund', { 'data-action': 'refund' }, () => refund(p), fail) : '';
    return el('tr', { 'data-session': p.sessionId, 'data-state': p.state },
      el('td', {}, el('time', { datetime: p.paidAt }, formatTime(p.paidAt))),
      el('td', {}, p.title),
      el('td', {}, p.email ?? '—'),
      el('td', { class: 'number' }, formatMoney(p.amountCents, p.currency)),
      el('td', {}, el('span', { class: `badge state-${p.state}` }, p.state)),
      el('td', {}, p.access),
      el('td', {}, action));
  };
  return {
    node: table,
    show: (purchases) => body.replaceChildren(...(purchases.length > 0 ? purchases.map(row) : [emptyRow(headings.length, 'No purchases yet.')])),
  };
}
