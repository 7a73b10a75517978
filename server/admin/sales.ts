import type { Purchase } from '../db/purchase-repository.ts';

/** A purchase as the console's sales page shows it. */
export interface Sale {
  readonly sessionId: string;
  readonly itemId: string;
  readonly title: string;
  readonly email: string | null;
  readonly amountCents: number;
  readonly currency: string;
  readonly paidAt: string;
  /** What happened to the money. */
  readonly state: 'paid' | 'refunded' | 'disputed';
  /** What the buyer can do now. */
  readonly access: 'running' | 'ended' | 'revoked';
}

/** One row of the totals: sales of an item or a day, in one currency. */
export interface SalesTotal {
  readonly currency: string;
  readonly sold: number;
  readonly refunded: number;
  readonly grossCents: number;
  /** Gross less refunded and disputed payments. */
  readonly netCents: number;
}

/** A purchase as a sale. */
export function saleOf(p: Purchase, title: string, now: number): Sale {
  const state = p.revokeReason === 'refunded' ? 'refunded' : p.revokeReason === 'disputed' ? 'disputed' : 'paid';
  return {
    sessionId: p.sessionId, itemId: p.itemId, title, email: p.email ?? null, amountCents: p.amountCents, currency: p.currency,
    paidAt: new Date(p.paidAt).toISOString(), state, access: p.revokedAt !== undefined ? 'revoked' : p.expiresAt > now ? 'running' : 'ended',
  };
}

/** Sums sales by a key (and currency: amounts in two currencies are never added). */
function totalsBy<T extends SalesTotal>(sales: readonly Sale[], field: string, keyOf: (s: Sale) => string, extra: (s: Sale) => Record<string, string>): T[] {
  const rows = new Map<string, SalesTotal & Record<string, string | number>>();
  for (const s of sales) {
    const id = `${keyOf(s)}\u0000${s.currency}`;
    const row = rows.get(id) ?? { [field]: keyOf(s), ...extra(s), currency: s.currency, sold: 0, refunded: 0, grossCents: 0, netCents: 0 };
    const back = s.state !== 'paid';
    rows.set(id, { ...row, sold: row.sold + 1, refunded: row.refunded + (back ? 1 : 0), grossCents: row.grossCents + s.amountCents, netCents: row.netCents + (back ? 0 : s.amountCents) });
  }
  return [...rows.values()] as unknown as T[];
}

/** Totals per item (most net first) and per UTC day (newest first). */
export function salesTotals(sales: readonly Sale[]) {
  return {
    byItem: totalsBy<SalesTotal & { itemId: string; title: string }>(sales, 'itemId', (s) => s.itemId, (s) => ({ title: s.title })).sort((a, b) => b.netCents - a.netCents || a.itemId.localeCompare(b.itemId)),
    byDay: totalsBy<SalesTotal & { day: string }>(sales, 'day', (s) => s.paidAt.slice(0, 10), () => ({})).sort((a, b) => b.day.localeCompare(a.day)),
  };
}

/** A CSV field: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is prefixed with ' (no formula runs in a spreadsheet). */
const csvField = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The sales as CSV (RFC 4180, CRLF), amounts in currency units. */
export function salesCsv(sales: readonly Sale[]): string {
  const head = ['paid_at', 'session_id', 'item_id', 'title', 'email', 'amount', 'currency', 'state', 'access'];
  const rows = sales.map((s) => [s.paidAt, s.sessionId, s.itemId, s.title, s.email, (s.amountCents / 100).toFixed(2), s.currency.toUpperCase(), s.state, s.access]);
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
