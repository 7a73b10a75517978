import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saleOf, salesCsv, salesTotals } from '../../server/admin/sales.ts';
import type { Purchase } from '../../server/db/purchase-repository.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const purchase = (over: Partial<Purchase>): Purchase => ({
  sessionId: 'cs_1', paymentIntent: 'pi_1', viewerId: 'v_1', itemId: 'talk', email: undefined, amountCents: 500, currency: 'usd',
  paidAt: NOW - 3600_000, expiresAt: NOW + 3600_000, revokedAt: undefined, revokeReason: undefined, ...over,
});

test('a sale says what happened to the money and what the buyer can do now', () => {
  assert.deepEqual([saleOf(purchase({}), 'Talk', NOW).state, saleOf(purchase({}), 'Talk', NOW).access], ['paid', 'running']);
  assert.equal(saleOf(purchase({ expiresAt: NOW - 1 }), 'Talk', NOW).access, 'ended');
  const refunded = saleOf(purchase({ revokedAt: NOW, revokeReason: 'refunded' }), 'Talk', NOW);
  assert.deepEqual([refunded.state, refunded.access], ['refunded', 'revoked']);
  assert.equal(saleOf(purchase({ revokedAt: NOW, revokeReason: 'disputed' }), 'Talk', NOW).state, 'disputed');
});

test('totals per item and per day, net of refunds and disputes, never adding two currencies', () => {
  const sales = [
    saleOf(purchase({ sessionId: 'a' }), 'Talk', NOW),
    saleOf(purchase({ sessionId: 'b', revokedAt: NOW, revokeReason: 'refunded' }), 'Talk', NOW),
    saleOf(purchase({ sessionId: 'c', paidAt: NOW - 30 * 3600_000, amountCents: 900 }), 'Talk', NOW),
    saleOf(purchase({ sessionId: 'd', currency: 'eur', amountCents: 400 }), 'Talk', NOW),
    saleOf(purchase({ sessionId: 'e', itemId: 'film', amountCents: 2000 }), 'Film', NOW),
  ];
  const { byItem, byDay } = salesTotals(sales);
  assert.deepEqual(byItem.map((r) => [r.itemId, r.title, r.currency, r.sold, r.refunded, r.grossCents, r.netCents]), [
    ['film', 'Film', 'usd', 1, 0, 2000, 2000],
    ['talk', 'Talk', 'usd', 3, 1, 1900, 1400],
    ['talk', 'Talk', 'eur', 1, 0, 400, 400],
  ]);
  assert.deepEqual(byDay.map((r) => [r.day, r.currency, r.sold, r.netCents]), [
    ['2026-12-03', 'usd', 3, 2500],
    ['2026-12-03', 'eur', 1, 400],
    ['2026-12-02', 'usd', 1, 900],
  ]);
});

test('CSV: RFC 4180 quoting, CRLF lines, amounts in currency units, no spreadsheet formula runs', () => {
  const csv = salesCsv([saleOf(purchase({ email: '=cmd|"/c calc"!A1' }), 'Talk, "live"', NOW), saleOf(purchase({ sessionId: 'cs_2', email: '+1@x.y' }), '@home', NOW)]);
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'paid_at,session_id,item_id,title,email,amount,currency,state,access');
  assert.equal(lines[1], `2026-12-03T11:00:00.000Z,cs_1,talk,"Talk, ""live""","'=cmd|""/c calc""!A1",5.00,USD,paid,running`);
  assert.equal(lines[2], "2026-12-03T11:00:00.000Z,cs_2,talk,'@home,'+1@x.y,5.00,USD,paid,running");
  assert.equal(lines[3], '');
});
