import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../boxoffice/catalog.ts';
import type { Entitlements } from '../boxoffice/entitlements.ts';
import type { PaymentGateway } from '../boxoffice/payment-gateway.ts';
import type { Config } from '../config.ts';
import type { ChannelRepository } from '../db/channel-repository.ts';
import type { DeviceRepository } from '../db/device-repository.ts';
import type { PurchaseRepository } from '../db/purchase-repository.ts';
import type { VideoRepository } from '../db/video-repository.ts';
import type { CapacityMonitor } from '../live/capacity.ts';
import type { LiveManager } from '../live/live-manager.ts';
import type { Logger } from '../log.ts';
import type { Bucket } from '../storage/bucket.ts';
import { createBitrateMeter } from '../ingest/bitrate-meter.ts';
import { registerConsoleRoutes } from '../origin/console-routes.ts';
import { requestScheme } from '../origin/signature-gate.ts';
import type { ViewersNow } from '../origin/viewers-now.ts';
import { ffprobeFor } from '../vod/probe.ts';
import { createAdminGuard } from './admin-auth.ts';
import { createAdminSessions } from './admin-sessions.ts';
import { registerChannelRoutes } from './channel-routes.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { createLiveThumbnails } from './live-thumbnail.ts';
import { registerPurchaseRoutes } from './purchase-routes.ts';
import { registerReplayRoutes } from './replay-routes.ts';
import { registerSalesRoutes } from './sales-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerUploadRoutes } from './upload-routes.ts';
import { createUploadStore } from './uploads.ts';
import { registerVideoRoutes } from './video-routes.ts';

/** How long a console session lasts. */
const SESSION_HOURS = 12;

/** Largest file the console uploads. */
const MAX_UPLOAD_BYTES = 100 * 1024 ** 3;

/** The parts of the origin the admin API works on (a subset of the app's). */
export interface AdminDeps {
  readonly config: Config;
  readonly channels: ChannelRepository;
  readonly videos: VideoRepository;
  readonly bucket: Bucket;
  readonly purchases: PurchaseRepository;
  readonly devices: DeviceRepository;
  readonly gateway: PaymentGateway;
  readonly live: LiveManager;
  readonly capacity?: Pick<CapacityMonitor, 'loads' | 'budgetCores'>;
  readonly adminToken: string;
  readonly kickJobs: () => void;
  readonly cancelJobs: (videoId: string) => Promise<void>;
  readonly lastRefusal?: (channelId: string) => { reason: string; at: number } | undefined;
  readonly publishing?: () => Map<string, number>;
  readonly about: { version: string; keyPairId: string };
  readonly consoleDir: string;
  readonly log: Logger;
}

/** What the admin API shares with the box office (built once by the app). */
export interface AdminContext {
  readonly catalog: Catalog;
  readonly entitlements: Entitlements;
  readonly viewersNow: ViewersNow;
  readonly now: () => number;
  /** PUBLIC_URL is https: cookies are Secure. */
  readonly secure: boolean;
}

/** The operator's API and console: the admin token (CLI, scripts) or a console session with its CSRF token on every change. */
export function registerAdminApi(app: FastifyInstance, deps: AdminDeps, ctx: AdminContext): void {
  const { config } = deps;
  const { catalog, entitlements, viewersNow, now, secure } = ctx;
  const sessions = createAdminSessions({ ttlMs: SESSION_HOURS * 3600_000, now });
  const admin = createAdminGuard(deps.adminToken, sessions);
  // in a plugin: loaded after @fastify/rate-limit, whose onRoute hook must see the sign-in route's limit
  void app.register(async (scope) =>
    registerSessionRoutes(scope, { sessions, adminToken: deps.adminToken, guard: admin, ttlSeconds: SESSION_HOURS * 3600, secure: (req) => secure || requestScheme(req.raw, config.trustProxy) === 'https' }),
  );
  registerConsoleRoutes(app, { consoleDir: deps.consoleDir });
  registerVideoRoutes(app, { videos: deps.videos, bucket: deps.bucket, admin, kick: deps.kickJobs, cancelJobs: deps.cancelJobs, now, viewersNow: (id) => viewersNow.count(id) });
  registerUploadRoutes(app, {
    uploads: createUploadStore({ dir: path.join(config.dataDir, 'uploads'), maxBytes: MAX_UPLOAD_BYTES }),
    videos: deps.videos, bucket: deps.bucket, admin, chunkBytes: config.uploadChunkBytes, ffprobePath: ffprobeFor(config.ffmpegPath), kick: deps.kickJobs, now,
  });
  registerReplayRoutes(app, { videos: deps.videos, bucket: deps.bucket, admin });
  registerPurchaseRoutes(app, { purchases: deps.purchases, devices: deps.devices, admin, maxDevices: config.maxDevicesPerPurchase, now });
  registerSalesRoutes(app, {
    purchases: deps.purchases, gateway: deps.gateway, admin, titleOf: (id) => catalog.find(id)?.title ?? deps.videos.get(id)?.title,
    revoke: (intent, reason) => entitlements.revoke(intent, reason), log: deps.log, now,
  });
  /** The capacity monitor's last sample of a channel's transcoder. */
  const loadOf = (id: string) => deps.capacity?.loads().find((l) => l.channelId === id);
  const thumbnails = createLiveThumbnails({ ffmpegPath: config.ffmpegPath, newestSegmentFile: (id) => deps.live.channel(id)?.newestSegmentFile() });
  const bitrates = createBitrateMeter();
  registerChannelRoutes(app, {
    channels: deps.channels,
    admin,
    config,
    live: {
      state: (id) => consoleState(deps.live.channel(id)?.state()),
      stats: (id) => {
        const load = loadOf(id);
        const kbps = deps.publishing ? bitrates.sample(deps.publishing()).get(id) : undefined;
        return { ...(load?.realtime !== undefined ? { realtime: Number(load.realtime.toFixed(2)) } : {}), ...(load?.cores !== undefined ? { cpuCores: Number(load.cores.toFixed(2)) } : {}), ...(kbps !== undefined ? { bitrateInKbps: kbps } : {}) };
      },
      viewersNow: (id) => viewersNow.count(id),
      thumbnail: (id) => thumbnails.get(id),
      ...(deps.lastRefusal ? { lastRefusal: deps.lastRefusal } : {}),
    },
  });
  registerHealthRoutes(app, {
    admin,
    version: deps.about.version,
    bucket: deps.bucket.description,
    keyPairId: deps.about.keyPairId,
    dataDir: config.dataDir,
    ingest: () => ({ rtmpPorts: config.rtmpPorts, rtmpsPorts: config.rtmpsPorts, publishers: deps.publishing?.().size ?? 0 }),
    transcoders: () => [...deps.live.states()].map(([channelId, state]) => {
      const load = loadOf(channelId);
      return { channelId, state, restarts: deps.live.channel(channelId)?.restarts ?? 0, ...(load?.cores !== undefined ? { cpuCores: load.cores } : {}), ...(load?.realtime !== undefined ? { realtime: load.realtime } : {}) };
    }),
    ...(deps.capacity ? { liveBudgetCores: deps.capacity.budgetCores } : {}),
    jobs: () => deps.videos.jobCounts(),
  });
}

/** A live state as the console shows it: never started and ended shows are both off air. */
function consoleState(state: string | undefined): string {
  return state === undefined || state === 'idle' || state === 'ended' ? 'offline' : state;
}
