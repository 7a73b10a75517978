import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerChannelRoutes } from './admin/channel-routes.ts';
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
import { registerPurchaseRoutes } from './admin/purchase-routes.ts';
import type { VideoRepository } from './db/video-repository.ts';
import { registerVideoRoutes } from './admin/video-routes.ts';
import { registerReplayRoutes } from './admin/replay-routes.ts';
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
  readonly playerDir: string;
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
  /** Tells the packaging queue a job was queued. */
  readonly kickJobs: () => void;
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
  const viaEdge = createOriginGuard(deps.config.originSecret, (req) => deps.rtmpt?.isRtmptRequest(req.method, req.url) === true);
  const app = Fastify({
    // live HLS (the hot path: every viewer, every segment, every playlist reload) and RTMPT go straight to
    // their handlers, skipping fastify's routing, body parsing and reply machinery; the rest goes through fastify
    serverFactory: (handler) =>
      http.createServer((req, res) => {
        if (!viaEdge(req)) writeError(res, 403, 'edge_required', 'this origin answers only through its CDN');
        else if (live && (req.method === 'GET' || req.method === 'HEAD') && req.url?.startsWith('/live/')) {
          try {
            live(req, res)?.catch((e: Error) => liveFailed(req, res, e));
          } catch (e) {
            liveFailed(req, res, e as Error);
          }
        } else if (deps.rtmpt?.isRtmptRequest(req.method, req.url)) deps.rtmpt.handle(req, res);
        else handler(req, res);
      }),
    logger: false,
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

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(renderMetrics(deps.live, deps.capacity)));

  const now = deps.now ?? Date.now;
  const { config } = deps;
  const catalog = createCatalog({ channels: deps.channels, videos: deps.videos, publicUrl: config.publicUrl, isOnline: (id) => deps.live.channel(id)?.state() === 'live' });
  const entitlements = createEntitlements({ purchases: deps.purchases, accessHours: config.accessHours, now });
  const viewers = createViewerCookies(deps.viewerSecret, { secure: config.publicUrl.startsWith('https:'), trustProxy: config.trustProxy });
  const cors = createCorsPolicy(config.publicUrl, config.corsOrigins);
  const boxOffice = {
    catalog, entitlements, viewers, cors, now, log: deps.log, gateway: deps.gateway, grants: deps.grants,
    publicUrl: config.publicUrl, accessHours: config.accessHours, playbackUrlHours: config.playbackUrlHours,
    bindIp: config.signingBindIp, trustProxy: config.trustProxy, signFreeItems: !config.enforceSignatures,
    dvr: config.liveDvrMinutes > 0, emailLinks: deps.mailer !== undefined,
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
  }));
  registerVideoRoutes(app, { videos: deps.videos, bucket: deps.bucket, adminToken: deps.adminToken, kick: deps.kickJobs, now });
  registerReplayRoutes(app, { videos: deps.videos, bucket: deps.bucket, adminToken: deps.adminToken });
  registerPurchaseRoutes(app, { purchases: deps.purchases, devices: deps.devices, adminToken: deps.adminToken, maxDevices: config.maxDevicesPerPurchase, now });
  live = createLiveHandler({
    live: deps.live,
    access,
    cors,
    checkSignature,
    segmentSeconds: config.segmentSeconds,
    log: deps.log,
  });
  mountRaw(app, '/live/', live);
  registerChannelRoutes(app, {
    channels: deps.channels,
    adminToken: deps.adminToken,
    config,
    isLive: (id) => deps.live.channel(id)?.state() === 'live',
    ...(deps.lastRefusal ? { lastRefusal: deps.lastRefusal } : {}),
  });
  return app;
}

function renderMetrics(live: LiveManager, capacity: AppDeps['capacity']): string {
  const lines = [
    '# HELP boxoffice_live_channel_state 1 for the state each known live channel is in.',
    '# TYPE boxoffice_live_channel_state gauge',
  ];
  for (const [id, state] of live.states()) lines.push(`boxoffice_live_channel_state{channel="${id}",state="${state}"} 1`);
  lines.push('# HELP boxoffice_transcoder_restarts_total Live transcoder restarts after a crash.', '# TYPE boxoffice_transcoder_restarts_total counter');
  for (const [id] of live.states()) lines.push(`boxoffice_transcoder_restarts_total{channel="${id}"} ${live.channel(id)?.restarts ?? 0}`);
  if (capacity) {
    const loads = capacity.loads();
    lines.push('# HELP boxoffice_transcoder_cpu_cores CPU cores each live transcoder uses (sampled every 2 s).', '# TYPE boxoffice_transcoder_cpu_cores gauge');
    for (const l of loads) if (l.cores !== undefined) lines.push(`boxoffice_transcoder_cpu_cores{channel="${l.channelId}"} ${l.cores.toFixed(3)}`);
    lines.push('# HELP boxoffice_transcoder_realtime Media seconds each live transcoder produces per wall second (last 10 s).', '# TYPE boxoffice_transcoder_realtime gauge');
    for (const l of loads) if (l.realtime !== undefined) lines.push(`boxoffice_transcoder_realtime{channel="${l.channelId}"} ${l.realtime.toFixed(3)}`);
    lines.push('# HELP boxoffice_live_cpu_budget_cores CPU cores live transcoders may use together (LIVE_CPU_BUDGET).', '# TYPE boxoffice_live_cpu_budget_cores gauge', `boxoffice_live_cpu_budget_cores ${capacity.budgetCores}`);
  }
  return `${lines.join('\n')}\n`;
}
