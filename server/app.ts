import crypto from 'node:crypto';
import http from 'node:http';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type pino from 'pino';
import { loggableUrl } from './log.ts';
import { createMetrics } from './metrics.ts';
import { registerAdminApi } from './admin/admin-api.ts';
import { createViewersNow, viewerKey } from './origin/viewers-now.ts';
import type { Config } from './config.ts';
import type { ChannelRepository } from './db/channel-repository.ts';
import type { CapacityMonitor } from './live/capacity.ts';
import type { LiveManager } from './live/live-manager.ts';
import type { Logger } from './log.ts';
import { createCorsPolicy } from './origin/cors.ts';
import { createOriginGuard } from './origin/origin-secret.ts';
import { createLiveHandler, isPublicLivePath, mountRaw, registerHlsPreflight, type ChannelAccess, type RawHandler } from './origin/hls-routes.ts';
import { answerClientError, requestErrorReply, sendError, writeError } from './origin/http-reply.ts';
import { registerPlayerRoutes } from './origin/player-routes.ts';
import { createSignatureGate } from './origin/signature-gate.ts';
import { createTtlCache } from './origin/ttl-cache.ts';
import type { FolderSigner } from './signing/signing-pool.ts';
import type { Verifier } from './signing/verifier.ts';
import type Stripe from 'stripe';
import { createCatalog } from './boxoffice/catalog.ts';
import { confirmReturn, registerBoxOfficeRoutes } from './boxoffice/checkout-routes.ts';
import { registerDemoCheckoutRoutes } from './boxoffice/demo-checkout.ts';
import { createEntitlements } from './boxoffice/entitlements.ts';
import type { PaymentGateway } from './boxoffice/payment-gateway.ts';
import { registerStripeWebhook } from './boxoffice/stripe-webhook.ts';
import { createViewerCookies } from './boxoffice/viewer-cookie.ts';
import type { PurchaseRepository } from './db/purchase-repository.ts';
import type { DeviceRepository } from './db/device-repository.ts';
import { createDevices } from './boxoffice/devices.ts';
import { registerDeviceRoutes } from './boxoffice/device-routes.ts';
import type { Mailer } from './boxoffice/mailer.ts';
import type { VideoRepository } from './db/video-repository.ts';
import { createVodHandler, isPublicVodPath } from './origin/vod-routes.ts';
import type { Bucket } from './storage/bucket.ts';

/** What the HTTP app is composed from. */
export interface AppDeps {
  readonly config: Config;
  readonly channels: ChannelRepository;
  readonly live: LiveManager;
  /** Measured transcoder load (the admission control's view); absent in tests without ffmpeg. */
  readonly capacity?: Pick<CapacityMonitor, 'loads' | 'budgetCores'>;
  readonly adminToken: string;
  readonly log: Logger;
  /** The pino logger fastify writes its request lines with (one per request, with its id); absent: no request lines. */
  readonly httpLog?: pino.Logger;
  readonly playerDir: string;
  /** The operator console's folder (index.html, dist/). */
  readonly consoleDir: string;
  /** What the console's health page shows that the app does not know itself. */
  readonly about: { version: string; keyPairId: string };
  readonly verifier: Verifier;
  /** Signs playback grants (the signing pool). */
  readonly grants: FolderSigner;
  readonly purchases: PurchaseRepository;
  /** The browsers each purchase opens on, and the one-time codes that add them. */
  readonly devices: DeviceRepository;
  /** Sends emailed sign-in links; undefined without SMTP_URL. */
  readonly mailer?: Mailer;
  readonly gateway: PaymentGateway;
  /** The Stripe client for webhooks; undefined in demo mode. */
  readonly stripe: Stripe | undefined;
  readonly viewerSecret: Buffer;
  readonly videos: VideoRepository;
  readonly bucket: Bucket;
  /** The ingest's last refusal of a channel's accepted publish (unsupported codec), for the admin API. */
  readonly lastRefusal?: (channelId: string) => { reason: string; at: number } | undefined;
  /** The bytes each live publisher has sent, by channel (the console's bitrate in). */
  readonly publishing?: () => Map<string, number>;
  /** Tells the packaging queue a job was queued. */
  readonly kickJobs: () => void;
  /** Ends a video's packaging before it is deleted (queued jobs dropped, a running one stopped and waited for). */
  readonly cancelJobs: (videoId: string) => Promise<void>;
  /** The clock of entitlements and rate limits (tests inject one). */
  readonly now?: () => number;
  /** RTMPT (RTMP over HTTP POSTs): its requests are answered ahead of fastify, whose body parsing never sees them. */
  readonly rtmpt?: {
    isRtmptRequest(method: string | undefined, url: string | undefined): boolean;
    handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  };
}

/** Builds the fastify app without listening (tests use `app.inject`; main hands it sockets). */
export function buildApp(deps: AppDeps): FastifyInstance {
  let live: RawHandler | undefined;
  const liveFailed = (req: http.IncomingMessage, res: http.ServerResponse, e: Error): void => {
    deps.log.error('live request failed', { url: req.url?.split('?')[0], error: e.message });
    if (!res.headersSent) writeError(res, 500, 'internal', 'internal error');
    else res.destroy();
  };
  const viewersNow = createViewersNow({ windowMs: 30_000, maxPerItem: 100_000 });
  const seen = (itemId: string, req: http.IncomingMessage): void => viewersNow.seen(itemId, viewerKey(req));
  const metrics = createMetrics({ live: deps.live, ...(deps.capacity ? { capacity: deps.capacity } : {}), viewersNow: () => viewersNow.all() });
  /** Records a raw live answer in the request histogram once written (memory answers: when the handler returns; a file read: when it settles). */
  const liveDone = (req: http.IncomingMessage, res: http.ServerResponse, started: number): void => {
    const url = req.url!;
    metrics.observe(req.method!, url.includes('.m3u8') ? '/live/*.m3u8' : url.includes('.ts') ? '/live/*.ts' : '/live/*', res.statusCode, (performance.now() - started) / 1000);
  };
  const viaEdge = createOriginGuard(deps.config.originSecret, (req) => deps.rtmpt?.isRtmptRequest(req.method, req.url) === true);
  const app = Fastify({
    // live HLS (the hot path: every viewer, every segment, every playlist reload) and RTMPT go straight to
    // their handlers, skipping fastify's routing, body parsing, hooks and request logs (through fastify's
    // routing and hooks a live playlist answer took 1.4x the server CPU: 65 against 47 µs a request, median of
    // 3 alternating 5 s wrk runs on loopback, 2026-12-03); the rest goes through fastify
    serverFactory: (handler) =>
      http.createServer((req, res) => {
        if (!viaEdge(req)) writeError(res, 403, 'edge_required', 'this origin answers only through its CDN');
        else if (live && (req.method === 'GET' || req.method === 'HEAD') && req.url?.startsWith('/live/')) {
          const started = performance.now();
          try {
            const pending = live(req, res);
            if (pending) pending.then(() => liveDone(req, res, started), (e: Error) => liveFailed(req, res, e));
            else liveDone(req, res, started);
          } catch (e) {
            liveFailed(req, res, e as Error);
          }
        } else if (deps.rtmpt?.isRtmptRequest(req.method, req.url)) deps.rtmpt.handle(req, res);
        else handler(req, res);
      }),
    ...(deps.httpLog ? { loggerInstance: deps.httpLog as FastifyBaseLogger } : { logger: false }),
    // one line per request (below), not fastify's two; ids are ours, never taken from the client
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => crypto.randomUUID(),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // URLs fastify cannot decode (bad percent-encoding, invalid UTF-8) get our JSON error too, without the URL echoed
    frameworkErrors: (_err, _req, reply) => sendError(reply, 400, 'bad_path', 'the URL is not valid percent-encoded UTF-8'),
    // requests node's parser refuses (over 16 KiB of request line and headers, malformed, too slow): our JSON error
    clientErrorHandler: answerClientError,
  });
  // JSON is the only body the API takes (the webhook and the demo checkout add their own parser in their scope):
  // text/plain, which a cross-site form may send without a preflight, is refused with 415
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      deps.log.error('request failed', { method: req.method, url: req.url.split('?')[0], error: err.message });
      return sendError(reply, 500, 'internal', 'internal error');
    }
    const [replyStatus, error, message] = requestErrorReply(err, status);
    return sendError(reply, replyStatus, error, message);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'not_found', 'no such route'));
  app.addHook('onRequest', async (req, reply) => void reply.header('x-request-id', req.id));
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (!deps.httpLog) return;
    const line = { method: req.method, url: loggableUrl(req.url), route, status: reply.statusCode, ms: Number(reply.elapsedTime.toFixed(1)) };
    // health checks and scrapes every few seconds would drown the rest
    if (route === '/healthz' || route === '/metrics') req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  });

  const { config } = deps;
  const secure = config.publicUrl.startsWith('https:');
  // security headers on every fastify route (pages set their own CSP; the raw HLS routes opt out: see hls-routes.ts)
  void app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"] } },
    referrerPolicy: { policy: 'same-origin' }, // signed URLs never leave in a Referer header
    frameguard: { action: 'deny' },
    strictTransportSecurity: secure ? { maxAge: 31536000 } : false,
    crossOriginResourcePolicy: false, // posters, thumbnails and the API are read by the player on other sites (CORS_ORIGINS)
  });
  void app.register(cookie);
  // per-IP limits where a route asks for one (config.rateLimit); the box office's limits keyed on a viewer or
  // an address stay in rate-limit.ts, on the box office's injectable clock
  void app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => (config.trustProxy ? req.ip : req.socket.remoteAddress ?? ''),
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error(`rate limited: try again in ${ctx.after}`), { statusCode: 429, code: 'FST_RATE_LIMITED' }),
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()));

  const now = deps.now ?? Date.now;
  const catalog = createCatalog({ channels: deps.channels, videos: deps.videos, publicUrl: config.publicUrl, isOnline: (id) => deps.live.channel(id)?.state() === 'live' });
  const entitlements = createEntitlements({ purchases: deps.purchases, accessHours: config.accessHours, now });
  const viewers = createViewerCookies(deps.viewerSecret, { secure, trustProxy: config.trustProxy });
  const cors = createCorsPolicy(config.publicUrl, config.corsOrigins);
  const boxOffice = {
    catalog, entitlements, viewers, cors, now, log: deps.log, gateway: deps.gateway, grants: deps.grants,
    publicUrl: config.publicUrl, accessHours: config.accessHours, playbackUrlHours: config.playbackUrlHours,
    bindIp: config.signingBindIp, trustProxy: config.trustProxy, signFreeItems: !config.enforceSignatures,
    dvr: config.liveDvrMinutes > 0, lowLatency: config.liveHls === 'both', emailLinks: deps.mailer !== undefined,
  };

  registerPlayerRoutes(app, { playerDir: deps.playerDir, publicUrl: config.publicUrl, viewers, onWatch: (req) => confirmReturn(req, boxOffice) });
  registerBoxOfficeRoutes(app, boxOffice);
  registerDeviceRoutes(app, {
    devices: createDevices({ purchases: deps.purchases, devices: deps.devices, maxDevices: config.maxDevicesPerPurchase, now }),
    catalog, viewers, mailer: deps.mailer, maxDevices: config.maxDevicesPerPurchase, publicUrl: config.publicUrl, trustProxy: config.trustProxy, log: deps.log, now,
  });
  registerStripeWebhook(app, { stripe: deps.stripe, webhookSecret: config.stripeWebhookSecret, purchases: deps.purchases, entitlements, log: deps.log, now });
  if (deps.gateway.mode === 'demo') {
    registerDemoCheckoutRoutes(app, { purchases: deps.purchases, catalog, entitlements, gateway: deps.gateway, viewers, accessHours: config.accessHours, now });
  }

  const checkSignature = createSignatureGate(deps.verifier, config.trustProxy, config.publicUrl);
  // a second's memory keeps SQLite off the hot path; a price change applies within that second
  const access = createTtlCache<ChannelAccess>((id) => {
    const channel = deps.channels.get(id);
    return !channel ? 'unknown' : channel.priceCents === 0 ? 'free' : config.enforceSignatures ? 'signed' : 'paid';
  }, 1000);
  registerHlsPreflight(app, '/live/', { cors, isPublic: isPublicLivePath(access) });
  registerHlsPreflight(app, '/vod/', { cors, isPublic: isPublicVodPath(deps.videos) });
  mountRaw(app, '/vod/', createVodHandler({
    videos: deps.videos,
    bucket: deps.bucket,
    requiresSignature: (video) => config.enforceSignatures && video.priceCents > 0,
    checkSignature,
    cors,
    log: deps.log,
    seen,
  }));
  live = createLiveHandler({ live: deps.live, access, cors, checkSignature, segmentSeconds: config.segmentSeconds, log: deps.log, seen, liveHls: config.liveHls });
  mountRaw(app, '/live/', live);

  registerAdminApi(app, deps, { catalog, entitlements, viewersNow, now, secure });
  return app;
}
