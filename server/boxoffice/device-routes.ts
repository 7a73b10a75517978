import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import type { Purchase } from '../db/purchase-repository.ts';
import type { Logger } from '../log.ts';
import { sendError } from '../origin/http-reply.ts';
import { clientIp } from '../origin/signature-gate.ts';
import type { Catalog } from './catalog.ts';
import { EMAIL_LINK_MINUTES, PAIRING_MINUTES, type Devices } from './devices.ts';
import { signInMail, type Mailer } from './mailer.ts';
import { createRateLimit } from './rate-limit.ts';
import type { ViewerCookies } from './viewer-cookie.ts';

/** A plausible email address (the SMTP server has the last word). */
const EMAIL = /^[^\s@<>",;]{1,64}@[^\s@<>",;]{1,190}\.[^\s@<>",;.]{2,63}$/;

/** What the device routes are built from. */
export interface DeviceRouteDeps {
  readonly devices: Devices;
  readonly catalog: Pick<Catalog, 'find'>;
  readonly viewers: ViewerCookies;
  /** Sends sign-in links; undefined without SMTP_URL. */
  readonly mailer: Mailer | undefined;
  readonly maxDevices: number;
  readonly publicUrl: string;
  readonly trustProxy: boolean;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * `POST /api/devices/pairing` (a code and QR for another device), `POST /api/devices/claim` (a code or an
 * emailed link's token adds this browser to the purchases it opens) and `POST /api/devices/email` (mail a
 * one-time sign-in link to the address a purchase was paid with).
 */
export function registerDeviceRoutes(app: FastifyInstance, deps: DeviceRouteDeps): void {
  const { devices, viewers, now } = deps;
  const codesPerViewer = createRateLimit({ limit: 10, windowMs: 10 * 60_000, now });
  // guessing codes: 10 tries a minute from one address, whoever's cookie it sends
  const claimsPerIp = createRateLimit({ limit: 10, windowMs: 60_000, now });
  const mailsPerIp = createRateLimit({ limit: 5, windowMs: 10 * 60_000, now });
  const mailsPerAddress = createRateLimit({ limit: 3, windowMs: 60 * 60_000, now });
  const limited = (reply: FastifyReply, retryAfterSeconds: number, what: string): FastifyReply =>
    sendError(reply.header('retry-after', String(retryAfterSeconds)), 429, 'rate_limited', `too many ${what}; try again in ${retryAfterSeconds} s`);
  const titles = (ps: readonly Purchase[]): string[] => ps.map((p) => deps.catalog.find(p.itemId)?.title ?? p.itemId);

  app.post('/api/devices/pairing', async (req, reply) => {
    const viewerId = viewers.read(req);
    const rate = codesPerViewer(viewerId ?? clientIp(req.raw, deps.trustProxy));
    if (!rate.ok) return limited(reply, rate.retryAfterSeconds, 'pairing codes');
    const pairing = viewerId === undefined ? undefined : devices.pairingCode(viewerId);
    if (!pairing) return sendError(reply, 409, 'nothing_to_pair', 'this browser has no running purchase to open on another device');
    // the code goes in the fragment: the page reads it, no server or log on the way sees it
    const pairUrl = `${deps.publicUrl}/pair#${pairing.code}`;
    const qrSvg = await QRCode.toString(pairUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return reply.header('cache-control', 'no-store').send({ code: pairing.display, expiresAt: new Date(pairing.expiresAt).toISOString(), pairUrl, qrSvg });
  });

  app.post('/api/devices/claim', async (req, reply) => {
    const body = req.body as { code?: unknown; token?: unknown } | undefined;
    const secret = typeof body?.code === 'string' && body.code.length <= 32 ? { code: body.code } : typeof body?.token === 'string' && body.token.length <= 64 ? { token: body.token } : undefined;
    if (!secret) return sendError(reply, 400, 'invalid_request', 'send {"code": "ABCD-EFGH"} or {"token": "<from the emailed link>"}');
    const rate = claimsPerIp(clientIp(req.raw, deps.trustProxy));
    if (!rate.ok) return limited(reply, rate.retryAfterSeconds, 'attempts');
    const viewerId = viewers.ensure(req, reply);
    const result = devices.claim(secret, viewerId);
    reply.header('cache-control', 'no-store');
    if (result.kind === 'invalid') {
      return 'code' in secret
        ? sendError(reply, 400, 'invalid_code', `that code does not work: a code lasts ${PAIRING_MINUTES} minutes and works once; show a new one on the other device`)
        : sendError(reply, 400, 'invalid_link', `that link does not work: a link lasts ${EMAIL_LINK_MINUTES} minutes and works once; ask for a new one`);
    }
    if (result.kind === 'ended') return sendError(reply, 410, 'access_ended', 'the purchases behind it have ended');
    const opened = [...result.added, ...result.already];
    if (opened.length === 0) {
      const full = titles(result.full).map((t) => `“${t}”`);
      return sendError(reply, 409, 'device_limit', `${full.join(', ')} ${full.length === 1 ? 'is' : 'are'} already open on ${deps.maxDevices} devices, the most one purchase allows; remove one (ask the operator) and try the same code again`);
    }
    deps.log.info('device added', { via: 'code' in secret ? 'code' : 'email', added: result.added.length, full: result.full.length });
    return reply.send({ items: opened.map((p) => p.itemId), full: result.full.map((p) => p.itemId) });
  });

  app.post('/api/devices/email', async (req, reply) => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    if (!deps.mailer) return sendError(reply, 503, 'email_not_configured', 'this origin sends no mail (no SMTP_URL): use a pairing code from a device that has access');
    if (typeof email !== 'string' || !EMAIL.test(email.trim())) return sendError(reply, 400, 'invalid_email', 'send {"email": "<the address you paid with>"}');
    const address = email.trim();
    const rate = [mailsPerIp(clientIp(req.raw, deps.trustProxy)), mailsPerAddress(address.toLowerCase())].find((r) => !r.ok);
    if (rate && !rate.ok) return limited(reply, rate.retryAfterSeconds, 'sign-in mails');
    // the same answer whether or not the address bought anything: nobody learns who is a customer
    const link = devices.emailToken(address);
    if (link) {
      const mail = signInMail(address, { publicUrl: deps.publicUrl, token: link.token, titles: titles(link.purchases), minutes: EMAIL_LINK_MINUTES });
      deps.mailer.send(mail).then(
        () => deps.log.info('sign-in link sent', { items: link.purchases.length }),
        (e: Error) => deps.log.error('a sign-in link could not be sent', { error: e.message }),
      );
    }
    return reply.code(202).header('cache-control', 'no-store').send({ message: `if ${address} paid for something that is still running, a sign-in link is on its way; it works once, for ${EMAIL_LINK_MINUTES} minutes` });
  });
}
