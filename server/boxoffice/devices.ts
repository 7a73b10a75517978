import crypto from 'node:crypto';
import type { DeviceRepository, DeviceVia } from '../db/device-repository.ts';
import type { Purchase, PurchaseRepository } from '../db/purchase-repository.ts';

/** Pairing codes: 8 symbols without look-alikes (no 0/O, 1/I/L, U), shown as two groups of four. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A pairing code lasts this long. */
export const PAIRING_MINUTES = 10;
/** An emailed sign-in link lasts this long. */
export const EMAIL_LINK_MINUTES = 30;

/** What claiming a code or link did, item by item. */
export type ClaimResult =
  | { kind: 'invalid' }
  | { kind: 'ended' }
  | { kind: 'claimed'; added: Purchase[]; already: Purchase[]; full: Purchase[] };

/** Purchases on more than one device: pairing codes and emailed links that add a browser, within a device limit. */
export interface Devices {
  /** A new pairing code for what this viewer has access to (`display`: `ABCD-EFGH`); undefined when they have nothing running. */
  pairingCode(viewerId: string): { code: string; display: string; expiresAt: number } | undefined;
  /** A new one-time sign-in token for what this email paid for; undefined when it paid for nothing running. */
  emailToken(email: string): { token: string; purchases: Purchase[]; expiresAt: number } | undefined;
  /** Adds `viewerId` to the purchases a code or token opens (used up unless every purchase was full). */
  claim(secret: { code: string } | { token: string }, viewerId: string): ClaimResult;
}

/** A pairing code as typed: case, spaces and dashes ignored. */
export const normalizeCode = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, '');

const hashOf = (kind: string, secret: string): string => crypto.createHash('sha256').update(`${kind}:${secret}`).digest('hex');

/** Builds the device flows over the stores, the device limit and a clock. */
export function createDevices(deps: { purchases: PurchaseRepository; devices: DeviceRepository; maxDevices: number; now: () => number }): Devices {
  const { purchases, devices, maxDevices, now } = deps;
  const attach = (opened: Purchase[], viewerId: string, via: DeviceVia, at: number): Extract<ClaimResult, { kind: 'claimed' }> => {
    const result = { kind: 'claimed' as const, added: [] as Purchase[], already: [] as Purchase[], full: [] as Purchase[] };
    for (const p of opened) result[devices.add(p.sessionId, viewerId, via, at, maxDevices)].push(p);
    return result;
  };
  return {
    pairingCode(viewerId) {
      if (purchases.activeForViewer(viewerId, now()).size === 0) return undefined;
      const code = Array.from({ length: 8 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
      const expiresAt = now() + PAIRING_MINUTES * 60_000;
      devices.saveCode({ hash: hashOf('pairing', code), kind: 'pairing', viewerId, email: undefined, expiresAt }, now());
      return { code, display: `${code.slice(0, 4)}-${code.slice(4)}`, expiresAt };
    },
    emailToken(email) {
      const paid = [...purchases.activeForEmail(email, now()).values()];
      if (paid.length === 0) return undefined;
      const token = crypto.randomBytes(32).toString('base64url');
      const expiresAt = now() + EMAIL_LINK_MINUTES * 60_000;
      devices.saveCode({ hash: hashOf('email', token), kind: 'email', viewerId: undefined, email, expiresAt }, now());
      return { token, purchases: paid, expiresAt };
    },
    claim(secret, viewerId) {
      const [kind, hash] = 'code' in secret ? (['pairing', hashOf('pairing', normalizeCode(secret.code))] as const) : (['email', hashOf('email', secret.token)] as const);
      return devices.transaction((): ClaimResult => {
        const at = now();
        const code = devices.findCode(hash, kind, at);
        if (!code) return { kind: 'invalid' };
        const opened = code.viewerId !== undefined ? purchases.activeForViewer(code.viewerId, at) : purchases.activeForEmail(code.email ?? '', at);
        if (opened.size === 0) {
          devices.useCode(hash, at);
          return { kind: 'ended' };
        }
        const result = attach([...opened.values()], viewerId, kind === 'pairing' ? 'code' : 'email', at);
        // every purchase full: the code stays good, so removing a device and trying again works
        if (result.added.length > 0 || result.already.length > 0) devices.useCode(hash, at);
        return result;
      });
    },
  };
}
