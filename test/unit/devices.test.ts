import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDevices, EMAIL_LINK_MINUTES, PAIRING_MINUTES, type ClaimResult, type Devices } from '../../server/boxoffice/devices.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { migrate, openDatabase, type Db } from '../../server/db/database.ts';
import { createDeviceRepository, type DeviceRepository } from '../../server/db/device-repository.ts';
import { MIGRATIONS } from '../../server/db/migrations/index.ts';
import { createPurchaseRepository, type Payment, type PurchaseRepository } from '../../server/db/purchase-repository.ts';
import { CWD } from '../helpers/config.ts';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOUR = 3600_000;
const MINUTE = 60_000;
/** The symbols a pairing code is made of (no 0/O, 1/I/L, U). */
const CODE = /^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{8}$/;

interface World {
  db: Db;
  clock: { t: number };
  purchases: PurchaseRepository;
  repo: DeviceRepository;
  devices: Devices;
  /** Grants a 24-hour purchase paid now by `viewerId`. */
  buy(viewerId: string, itemId: string, extra?: Partial<Payment>): Payment;
}

let sessions = 0;

function world(maxDevices = 5): World {
  const db = openDatabase(':memory:');
  const clock = { t: T0 };
  const purchases = createPurchaseRepository(db);
  const repo = createDeviceRepository(db);
  const devices = createDevices({ purchases, devices: repo, maxDevices, now: () => clock.t });
  const buy = (viewerId: string, itemId: string, extra: Partial<Payment> = {}): Payment => {
    const n = ++sessions;
    const p: Payment = { sessionId: `cs_${n}`, paymentIntent: `pi_${n}`, viewerId, itemId, email: undefined, amountCents: 500, currency: 'usd', paidAt: clock.t, ...extra };
    assert.equal(purchases.grant(p, p.paidAt + 24 * HOUR), true);
    return p;
  };
  return { db, clock, purchases, repo, devices, buy };
}

/** The claim's outcome as session ids, to compare whole results. */
function sessionsOf(r: ClaimResult): { kind: string; added?: string[]; already?: string[]; full?: string[] } {
  if (r.kind !== 'claimed') return { kind: r.kind };
  const ids = (ps: readonly { sessionId: string }[]) => ps.map((p) => p.sessionId).sort();
  return { kind: r.kind, added: ids(r.added), already: ids(r.already), full: ids(r.full) };
}

const code = (w: World, viewerId: string): string => {
  const c = w.devices.pairingCode(viewerId);
  assert.ok(c, `${viewerId} should get a pairing code`);
  return c.code;
};

describe('pairing codes', () => {
  test('a code from the buyer opens the purchase on another viewer, once', () => {
    const w = world();
    const p = w.buy('v_A', 'paid');
    assert.equal(w.purchases.active('v_A', 'paid', w.clock.t)?.sessionId, p.sessionId, 'the buyer has access');
    assert.equal(w.purchases.active('v_B', 'paid', w.clock.t), undefined, 'nobody else has');
    assert.deepEqual(w.repo.list(p.sessionId).map((d) => d.via), ['checkout'], 'grant records the buyer as the first device');

    const pairing = w.devices.pairingCode('v_A');
    assert.ok(pairing);
    assert.match(pairing.code, CODE);
    assert.equal(pairing.display, `${pairing.code.slice(0, 4)}-${pairing.code.slice(4)}`);
    assert.match(pairing.display, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    assert.equal(pairing.expiresAt, T0 + PAIRING_MINUTES * MINUTE);
    assert.equal(PAIRING_MINUTES, 10);

    w.clock.t = T0 + MINUTE;
    const claimed = w.devices.claim({ code: pairing.display }, 'v_B');
    assert.deepEqual(sessionsOf(claimed), { kind: 'claimed', added: [p.sessionId], already: [], full: [] });
    assert.equal(w.purchases.active('v_B', 'paid', w.clock.t)?.sessionId, p.sessionId, 'B now has access');
    assert.equal(w.purchases.activeForViewer('v_B', w.clock.t).get('paid')?.sessionId, p.sessionId);
    const listed = w.repo.list(p.sessionId);
    assert.deepEqual(listed.map((d) => d.via), ['checkout', 'code']);
    assert.equal(listed[1]!.addedAt, T0 + MINUTE);
    assert.equal(listed[1]!.revokedAt, undefined);
    assert.match(listed[1]!.id, /^d_[0-9a-f]{24}$/);

    assert.deepEqual(w.devices.claim({ code: pairing.display }, 'v_C'), { kind: 'invalid' }, 'a code works once');
    assert.deepEqual(w.devices.claim({ code: pairing.code }, 'v_B'), { kind: 'invalid' }, 'even for the viewer that used it');
    assert.equal(w.purchases.active('v_C', 'paid', w.clock.t), undefined);
  });

  test('codes are new every time and typed any which way', () => {
    const w = world(10);
    w.buy('v_A', 'paid');
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(code(w, 'v_A'));
    assert.equal(seen.size, 20, 'codes are random');
    const typings: [string, (c: string) => string][] = [
      ['lower case', (c) => c.toLowerCase()],
      ['lower case with the dash', (c) => `${c.slice(0, 4)}-${c.slice(4)}`.toLowerCase()],
      ['spaces', (c) => ` ${c.slice(0, 4)} ${c.slice(4)} `],
      ['extra dashes', (c) => `${c.slice(0, 2)}-${c.slice(2, 5)}--${c.slice(5)}`],
      ['mixed', (c) => `${c.slice(0, 4).toLowerCase()} - ${c.slice(4)}`],
    ];
    for (const [i, [how, type]] of typings.entries()) {
      const typed = type(code(w, 'v_A'));
      assert.equal(sessionsOf(w.devices.claim({ code: typed }, `v_T${i}`)).added?.length, 1, `${how}: ${JSON.stringify(typed)} should be accepted`);
    }
    assert.deepEqual(w.devices.claim({ code: 'ABCD-EFGH' }, 'v_X'), { kind: 'invalid' }, 'a made-up code does nothing');
    assert.deepEqual(w.devices.claim({ code: '' }, 'v_X'), { kind: 'invalid' });
  });

  test('a code expires after 10 minutes', () => {
    const w = world();
    w.buy('v_A', 'paid');
    const early = code(w, 'v_A');
    const late = code(w, 'v_A');
    w.clock.t = T0 + 10 * MINUTE - 1;
    assert.equal(sessionsOf(w.devices.claim({ code: early }, 'v_B')).added?.length, 1, 'still good just before 10 minutes');
    w.clock.t = T0 + 10 * MINUTE;
    assert.deepEqual(w.devices.claim({ code: late }, 'v_C'), { kind: 'invalid' }, 'expired at 10 minutes');
    assert.equal(w.purchases.active('v_C', 'paid', w.clock.t), undefined);
  });

  test('a viewer with nothing running gets no code', () => {
    const w = world();
    assert.equal(w.devices.pairingCode('v_nobody'), undefined, 'never bought anything');
    w.buy('v_A', 'paid');
    assert.equal(w.devices.pairingCode('v_B'), undefined, 'someone else bought');
    w.clock.t = T0 + 24 * HOUR;
    assert.equal(w.devices.pairingCode('v_A'), undefined, 'the purchase has ended');
  });

  test('a code opens every running purchase of the viewer who showed it', () => {
    const w = world();
    const p1 = w.buy('v_A', 'paid');
    const p2 = w.buy('v_A', 'other');
    const c = code(w, 'v_A');
    assert.deepEqual(sessionsOf(w.devices.claim({ code: c }, 'v_B')), { kind: 'claimed', added: [p1.sessionId, p2.sessionId].sort(), already: [], full: [] });
    assert.deepEqual([...w.purchases.activeForViewer('v_B', w.clock.t).keys()].sort(), ['other', 'paid']);
  });
});

describe('the device limit', () => {
  test('buyer + 4 fit in 5; the 6th is refused without using up the code, and fits once a device is removed', () => {
    const w = world(5);
    const p = w.buy('v_A', 'paid');
    for (const v of ['v_B', 'v_C', 'v_D', 'v_E']) {
      assert.deepEqual(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, v)), { kind: 'claimed', added: [p.sessionId], already: [], full: [] }, v);
    }
    assert.equal(w.repo.list(p.sessionId).length, 5);

    const sixth = code(w, 'v_A');
    const refused = w.devices.claim({ code: sixth }, 'v_F');
    assert.deepEqual(sessionsOf(refused), { kind: 'claimed', added: [], already: [], full: [p.sessionId] });
    assert.equal(w.purchases.active('v_F', 'paid', w.clock.t), undefined);
    assert.equal(w.repo.list(p.sessionId).length, 5, 'no sixth device');
    assert.deepEqual(sessionsOf(w.devices.claim({ code: sixth }, 'v_F')).full, [p.sessionId], 'the code still works (still full)');

    // a viewer already on a full purchase is "already", not "full", and not counted twice
    assert.deepEqual(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, 'v_B')), { kind: 'claimed', added: [], already: [p.sessionId], full: [] });
    assert.equal(w.repo.list(p.sessionId).length, 5);

    const c = w.repo.list(p.sessionId).find((d) => d.via === 'code')!;
    assert.equal(w.repo.revoke(p.sessionId, c.id, w.clock.t), true);
    assert.deepEqual(sessionsOf(w.devices.claim({ code: sixth }, 'v_F')), { kind: 'claimed', added: [p.sessionId], already: [], full: [] }, 'the same code now fits');
    assert.equal(w.purchases.active('v_F', 'paid', w.clock.t)?.sessionId, p.sessionId);
    assert.deepEqual(w.devices.claim({ code: sixth }, 'v_G'), { kind: 'invalid' }, 'and is used up now');
    assert.equal(w.repo.list(p.sessionId).filter((d) => d.revokedAt === undefined).length, 5);
  });

  test('claiming again while on the purchase is "already" and does not take a second place', () => {
    const w = world(3);
    const p = w.buy('v_A', 'paid');
    assert.equal(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, 'v_B')).added?.length, 1);
    assert.deepEqual(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, 'v_B')), { kind: 'claimed', added: [], already: [p.sessionId], full: [] });
    assert.deepEqual(sessionsOf(w.devices.claim({ code: code(w, 'v_B') }, 'v_A')), { kind: 'claimed', added: [], already: [p.sessionId], full: [] }, 'the buyer claiming a code of B');
    assert.equal(w.repo.list(p.sessionId).length, 2);
    assert.equal(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, 'v_C')).added?.length, 1, 'the third place is still free');
    assert.deepEqual(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, 'v_D')).full, [p.sessionId]);
  });

  test('a code over one full and one free purchase adds the free one and is used up', () => {
    const w = world(2);
    const full = w.buy('v_A', 'paid');
    const free = w.buy('v_A', 'other');
    w.repo.add(full.sessionId, 'v_Z', 'code', w.clock.t, 2);
    const c = code(w, 'v_A');
    assert.deepEqual(sessionsOf(w.devices.claim({ code: c }, 'v_B')), { kind: 'claimed', added: [free.sessionId], already: [], full: [full.sessionId] });
    assert.deepEqual([...w.purchases.activeForViewer('v_B', w.clock.t).keys()], ['other']);
    assert.deepEqual(w.devices.claim({ code: c }, 'v_C'), { kind: 'invalid' });
  });
});

describe('emailed sign-in links', () => {
  test('a token for the address that paid, any case, adds the device once', () => {
    const w = world();
    const p = w.buy('v_A', 'paid', { email: 'Buyer@Example.com' });
    w.buy('v_Q', 'other', { email: 'someone@else.org' });
    assert.equal(w.devices.emailToken('nobody@example.com'), undefined, 'an unknown address gets nothing');
    const link = w.devices.emailToken('buyer@EXAMPLE.com');
    assert.ok(link);
    assert.match(link.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(link.purchases.map((x) => x.sessionId), [p.sessionId], 'only what that address paid for');
    assert.equal(link.expiresAt, T0 + EMAIL_LINK_MINUTES * MINUTE);
    assert.equal(EMAIL_LINK_MINUTES, 30);

    assert.deepEqual(w.devices.claim({ code: link.token }, 'v_B'), { kind: 'invalid' }, 'a token is no pairing code');
    w.clock.t = T0 + MINUTE;
    assert.deepEqual(sessionsOf(w.devices.claim({ token: link.token }, 'v_B')), { kind: 'claimed', added: [p.sessionId], already: [], full: [] });
    assert.equal(w.purchases.active('v_B', 'paid', w.clock.t)?.sessionId, p.sessionId);
    assert.equal(w.purchases.active('v_B', 'other', w.clock.t), undefined);
    assert.deepEqual(w.repo.list(p.sessionId).map((d) => d.via), ['checkout', 'email']);
    assert.deepEqual(w.devices.claim({ token: link.token }, 'v_C'), { kind: 'invalid' }, 'a link works once');
    assert.deepEqual(w.devices.claim({ token: 'x'.repeat(43) }, 'v_C'), { kind: 'invalid' });
  });

  test('a token expires after 30 minutes; an address whose purchase ended gets none', () => {
    const w = world();
    w.buy('v_A', 'paid', { email: 'buyer@example.com' });
    const early = w.devices.emailToken('buyer@example.com')!.token;
    const late = w.devices.emailToken('buyer@example.com')!.token;
    w.clock.t = T0 + 30 * MINUTE - 1;
    assert.equal(sessionsOf(w.devices.claim({ token: early }, 'v_B')).added?.length, 1);
    w.clock.t = T0 + 30 * MINUTE;
    assert.deepEqual(w.devices.claim({ token: late }, 'v_C'), { kind: 'invalid' });
    w.clock.t = T0 + 24 * HOUR;
    assert.equal(w.devices.emailToken('buyer@example.com'), undefined);
  });
});

describe('revoking', () => {
  test('removing a device ends that viewer\'s access only', () => {
    const w = world();
    const p = w.buy('v_A', 'paid');
    w.devices.claim({ code: code(w, 'v_A') }, 'v_B');
    const b = w.repo.list(p.sessionId).find((d) => d.via === 'code')!;
    assert.equal(w.repo.revoke(p.sessionId, b.id, T0 + 5), true);
    assert.equal(w.purchases.active('v_B', 'paid', w.clock.t), undefined, 'B lost access');
    assert.equal(w.purchases.activeForViewer('v_B', w.clock.t).size, 0);
    assert.equal(w.purchases.active('v_A', 'paid', w.clock.t)?.sessionId, p.sessionId, 'the buyer keeps it');
    assert.equal(w.repo.list(p.sessionId).find((d) => d.id === b.id)?.revokedAt, T0 + 5, 'listed as revoked');
    assert.equal(w.repo.revoke(p.sessionId, b.id, T0 + 6), false, 'revoking twice does nothing');
    assert.equal(w.repo.revoke('cs_nope', b.id, T0), false, 'nor under another purchase');
    assert.equal(w.devices.pairingCode('v_B'), undefined, 'B has nothing to pair');

    // B can come back with a new code (its device row is restored, not duplicated)
    w.clock.t = T0 + MINUTE;
    assert.equal(sessionsOf(w.devices.claim({ code: code(w, 'v_A') }, 'v_B')).added?.length, 1);
    assert.equal(w.purchases.active('v_B', 'paid', w.clock.t)?.sessionId, p.sessionId);
    assert.deepEqual(w.repo.list(p.sessionId).map((d) => [d.id === b.id, d.via, d.addedAt, d.revokedAt]), [[false, 'checkout', T0, undefined], [true, 'code', T0 + MINUTE, undefined]]);
  });

  test('a refunded purchase opens on no device, and its codes end', () => {
    const w = world();
    const p = w.buy('v_A', 'paid', { email: 'buyer@example.com' });
    w.devices.claim({ code: code(w, 'v_A') }, 'v_B');
    const pending = code(w, 'v_A');
    assert.equal(w.purchases.revoke(p.paymentIntent!, 'refunded', w.clock.t), 1);
    for (const v of ['v_A', 'v_B']) {
      assert.equal(w.purchases.active(v, 'paid', w.clock.t), undefined, v);
      assert.equal(w.purchases.activeForViewer(v, w.clock.t).size, 0, v);
    }
    assert.equal(w.purchases.activeForEmail('buyer@example.com', w.clock.t).size, 0);
    assert.deepEqual(w.devices.claim({ code: pending }, 'v_C'), { kind: 'ended' });
    assert.equal(w.purchases.active('v_C', 'paid', w.clock.t), undefined);
    assert.equal(w.devices.pairingCode('v_A'), undefined);
    assert.equal(w.devices.emailToken('buyer@example.com'), undefined);
  });
});

test('migration 5 gives every existing purchase its buyer as a checkout device', () => {
  const db = openDatabase(':memory:', MIGRATIONS.slice(0, 4));
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'purchase_devices'").get() as { n: number }).n, 0, 'not there at version 4');
  const insert = db.prepare(
    "INSERT INTO purchases (session_id, payment_intent, viewer_id, item_id, email, amount_cents, currency, paid_at, expires_at) VALUES (?, ?, ?, 'paid', ?, 500, 'usd', ?, ?)",
  );
  insert.run('cs_old', 'pi_old', 'v_old', 'old@example.com', T0 - HOUR, T0 + 23 * HOUR);
  insert.run('cs_ended', 'pi_ended', 'v_ended', null, T0 - 48 * HOUR, T0 - 24 * HOUR);
  migrate(db, MIGRATIONS);
  assert.equal((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v, 5);

  const purchases = createPurchaseRepository(db);
  const repo = createDeviceRepository(db);
  const devices = repo.list('cs_old');
  assert.equal(devices.length, 1);
  assert.equal(devices[0]!.via, 'checkout');
  assert.equal(devices[0]!.addedAt, T0 - HOUR, 'added when it was paid');
  assert.match(devices[0]!.id, /^d_[0-9a-f]{24}$/);
  assert.deepEqual(repo.list('cs_ended').map((d) => d.via), ['checkout']);
  assert.equal(purchases.active('v_old', 'paid', T0)?.sessionId, 'cs_old', 'the buyer keeps access');
  assert.equal(purchases.active('v_ended', 'paid', T0), undefined);
  assert.equal(purchases.activeForEmail('OLD@example.com', T0).get('paid')?.sessionId, 'cs_old', 'found by email, any case');
  const d = createDevices({ purchases, devices: repo, maxDevices: 5, now: () => T0 });
  assert.ok(d.pairingCode('v_old'), 'and can pair');
  db.close();
});

describe('configuration', () => {
  const refused = (env: Record<string, string>): ConfigError => {
    try {
      loadConfig(env, CWD);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e;
    }
    assert.fail(`${JSON.stringify(env)} was accepted`);
  };

  test('MAX_DEVICES_PER_PURCHASE: 5 by default, a whole number of at least 1', () => {
    assert.equal(loadConfig({}, CWD).maxDevicesPerPurchase, 5);
    assert.equal(loadConfig({ MAX_DEVICES_PER_PURCHASE: '2' }, CWD).maxDevicesPerPurchase, 2);
    for (const bad of ['0', 'x', '-1', '2.5']) {
      const err = refused({ MAX_DEVICES_PER_PURCHASE: bad });
      assert.equal(err.problems.length, 1);
      assert.match(err.problems[0]!, /^MAX_DEVICES_PER_PURCHASE/, bad);
    }
  });

  test('SMTP_URL: smtp(s) only, and never echoed', () => {
    assert.equal(loadConfig({}, CWD).smtpUrl, undefined);
    assert.equal(loadConfig({ SMTP_URL: 'smtp://u:p@127.0.0.1:2525' }, CWD).smtpUrl, 'smtp://u:p@127.0.0.1:2525');
    assert.equal(loadConfig({ SMTP_URL: 'smtps://mail.example.com:465' }, CWD).smtpUrl, 'smtps://mail.example.com:465');
    const http = refused({ SMTP_URL: 'http://x' });
    assert.equal(http.problems.length, 1);
    assert.match(http.problems[0]!, /^SMTP_URL\b/);
    const secret = refused({ SMTP_URL: 'ftp://user:s3cretpw@host' });
    assert.match(secret.message, /SMTP_URL/, 'the variable is named');
    assert.ok(!secret.message.includes('s3cretpw'), secret.message);
    assert.ok(!secret.problems.join('\n').includes('s3cretpw'));
    assert.ok(!refused({ SMTP_URL: 'not a url with pw=hunter22' }).message.includes('hunter22'));
  });

  test('SMTP_FROM defaults to no-reply at the PUBLIC_URL host', () => {
    assert.equal(loadConfig({ PUBLIC_URL: 'https://tv.example.com' }, CWD).smtpFrom, 'Boxoffice <no-reply@tv.example.com>');
    assert.equal(loadConfig({ HTTP_PORT: '8080' }, CWD).smtpFrom, 'Boxoffice <no-reply@localhost>', 'the host without the port');
    assert.equal(loadConfig({ SMTP_FROM: 'Tickets <tickets@example.com>' }, CWD).smtpFrom, 'Tickets <tickets@example.com>');
    assert.match(refused({ SMTP_FROM: 'Evil\r\nBcc: x@y.z <a@b.c>' }).problems[0]!, /^SMTP_FROM/);
  });
});
