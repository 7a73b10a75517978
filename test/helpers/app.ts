import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { createChannel } from '../../server/admin/channel-routes.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { createChannelRepository, type ChannelRepository } from '../../server/db/channel-repository.ts';
import { openDatabase } from '../../server/db/database.ts';
import type { LiveChannel } from '../../server/live/live-channel.ts';
import { createLiveManager, type LiveManager } from '../../server/live/live-manager.ts';
import { createLogger } from '../../server/log.ts';
import type { SigningKeys } from '../../server/signing/keys.ts';
import { createSigner, type Signer } from '../../server/signing/signer.ts';
import { createSigningPool, type SigningPool } from '../../server/signing/signing-pool.ts';
import { createVerifier } from '../../server/signing/verifier.ts';
import { createDemoGateway } from '../../server/boxoffice/demo-checkout.ts';
import type { PaymentGateway } from '../../server/boxoffice/payment-gateway.ts';
import { createPurchaseRepository, type PurchaseRepository } from '../../server/db/purchase-repository.ts';
import { createDeviceRepository } from '../../server/db/device-repository.ts';
import { createVideoRepository, type VideoRepository } from '../../server/db/video-repository.ts';
import type { Bucket } from '../../server/storage/bucket.ts';
import { createLocalBucket } from '../../server/storage/local-bucket.ts';
import type Stripe from 'stripe';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A signing key made for one test run. */
export function testKeys(keyPairId = 'KTESTKEY000001'): SigningKeys {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keyPairId, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), publicKeys: new Map([[keyPairId, publicKey]]) };
}

/** A live manager whose channels always have one master, one rung (`240p`) and one segment, no ffmpeg. */
export function staticLive(): LiveManager {
  const body = (text: string, etag: string) => ({ text, etag, ended: false });
  const channel: LiveChannel = {
    publishStarted: async () => undefined,
    publishEnded: () => undefined,
    state: () => 'live',
    master: (variant = 'plain') => body(`#EXTM3U\n#${variant}\n240p.m3u8\n`, `"m-${variant}"`),
    media: (rung, variant = 'plain') => (rung === '240p' ? body(`#EXTM3U\n#${variant}\nrabcd/240p/0.ts\n`, `"p-${variant}"`) : undefined),
    segment: (run, rung, file) =>
      run === 'rabcd' && rung === '240p' && file === '0.ts'
        ? { seq: 0, runId: run, rung, file, duration: 1, path: '/nonexistent', discontinuity: false, programDateTime: 0, bytes: Buffer.from('segment bytes') }
        : undefined,
    lowLatency: () => undefined,
    lowLatencyFile: () => undefined,
    newestSegmentFile: () => undefined,
    restarts: 0,
    transcoder: () => undefined,
    stop: async () => undefined,
  };
  return { start: async () => undefined, publishStarted: () => undefined, publishEnded: () => undefined, channel: () => channel, states: () => new Map([['demo', 'live']]), stop: async () => undefined };
}

/** What a test app is built with; everything has a default. */
export interface TestAppOptions {
  live?: LiveManager;
  env?: Record<string, string>;
  /** A data folder to reuse (a restart); a fresh one otherwise. */
  dataDir?: string;
  keys?: SigningKeys;
  now?: () => number;
  /** The bucket; a local one in the data folder by default. */
  bucket?: Bucket;
  /** Called when a packaging job is queued. */
  kickJobs?: () => void;
  cancelJobs?: (videoId: string) => Promise<void>;
  /** The payment side: Stripe (client and gateway) or, by default, the demo checkout. */
  payments?: (purchases: PurchaseRepository, config: Config) => { gateway: PaymentGateway; stripe: Stripe | undefined };
}

/** The HTTP app in-process (no sockets, no ffmpeg) over a file database with a free `demo` and a paid `paid` channel. */
export async function buildTestApp(opts: TestAppOptions = {}): Promise<{
  app: FastifyInstance;
  channels: ChannelRepository;
  purchases: PurchaseRepository;
  videos: VideoRepository;
  bucket: Bucket;
  adminToken: string;
  config: Config;
  signer: Signer;
  /** The signing pool behind /api/playback. */
  grants: SigningPool;
  keys: SigningKeys;
  dataDir: string;
  /** Closes the app and database; keeps the data folder when `keepData`. */
  close(keepData?: boolean): Promise<void>;
}> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-app-'));
  const config = loadConfig({ DATA_DIR: dataDir, MEDIA_DIR: path.join(dataDir, 'media'), HTTP_PORT: '8080', PUBLIC_URL: 'http://localhost:8080', ...opts.env });
  const db = openDatabase(path.join(dataDir, 'boxoffice.db'));
  const channels = createChannelRepository(db);
  if (!channels.get('demo')) createChannel(channels, { id: 'demo', title: 'Demo', priceCents: 0 });
  if (!channels.get('paid')) createChannel(channels, { id: 'paid', title: 'Paid', priceCents: 500 });
  const purchases = createPurchaseRepository(db);
  const videos = createVideoRepository(db);
  const bucket = opts.bucket ?? createLocalBucket(config.mediaDir);
  const log = createLogger('error');
  const now = opts.now ?? Date.now;
  const live = opts.live ?? createLiveManager({ dir: path.join(dataDir, 'live'), settings: config, log });
  const keys = opts.keys ?? testKeys();
  const adminToken = 'test-admin-token-0123456789';
  const signer = createSigner(keys, config.publicUrl, config.signingHashAlgorithm);
  const grants = createSigningPool(keys, { publicUrl: config.publicUrl, hashAlgorithm: config.signingHashAlgorithm, threads: 1 });
  const { gateway, stripe } = opts.payments?.(purchases, config) ?? { gateway: createDemoGateway({ purchases, publicUrl: config.publicUrl, now }), stripe: undefined };
  const app = buildApp({
    config, channels, purchases, live, adminToken, log, grants,
    devices: createDeviceRepository(db), gateway, stripe, now, videos, bucket,
    kickJobs: opts.kickJobs ?? (() => undefined),
    cancelJobs: opts.cancelJobs ?? (async () => undefined),
    playerDir: path.join(ROOT, 'player'),
    consoleDir: path.join(ROOT, 'console'),
    about: { version: 'test', keyPairId: keys.keyPairId },
    verifier: createVerifier(keys.publicKeys, { now }),
    viewerSecret: Buffer.alloc(32, 7),
  });
  await app.ready();
  return {
    app,
    channels,
    purchases,
    videos,
    bucket,
    adminToken,
    config,
    signer,
    grants,
    keys,
    dataDir,
    async close(keepData = false) {
      await app.close();
      await grants.close();
      await live.stop();
      db.close();
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
