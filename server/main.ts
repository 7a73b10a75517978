import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateAdminToken } from './admin/admin-auth.ts';
import { createChannel } from './admin/channel-routes.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createDemoGateway } from './boxoffice/demo-checkout.ts';
import { createStripeClient, createStripeGateway } from './boxoffice/stripe-gateway.ts';
import { loadOrCreateViewerSecret } from './boxoffice/viewer-cookie.ts';
import { createChannelRepository } from './db/channel-repository.ts';
import { createPurchaseRepository } from './db/purchase-repository.ts';
import { createDeviceRepository } from './db/device-repository.ts';
import { createMailer } from './boxoffice/mailer.ts';
import { createVideoRepository } from './db/video-repository.ts';
import { openBucket } from './storage/open-bucket.ts';
import { createJobQueue } from './vod/job-queue.ts';
import { runPackageJob } from './vod/package-job.ts';
import { createOnDemandPlayback } from './vod/rtmp-vod.ts';
import { openDatabase } from './db/database.ts';
import { createAdmission } from './ingest/admission.ts';
import { obsRtmpsUrl, obsServerUrl, rtmptUrl } from './ingest/obs-settings.ts';
import { createSharedListener, listen } from './ingest/port-sharing.ts';
import { createRtmpIngest } from './ingest/rtmp-server.ts';
import { createRtmptTunnel } from './ingest/rtmpt-tunnel.ts';
import { CertificateError, loadTlsCertificate, type TlsCertificate } from './ingest/tls-certificate.ts';
import { createCapacityMonitor } from './live/capacity.ts';
import { createLiveManager } from './live/live-manager.ts';
import { createRecorder } from './live/recorder.ts';
import { createPino, loggerOf } from './log.ts';
import { KeyError, keySourcesOf, loadSigningKeys, type SigningKeys } from './signing/keys.ts';
import { signatureQueryParams } from './signing/signer.ts';
import { createSigningPool } from './signing/signing-pool.ts';
import { createVerifier } from './signing/verifier.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The project's version, from package.json. */
const readVersion = (): string => (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Starts every part in order and stops them in reverse on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`boxoffice: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const pino = createPino(config.logLevel, config.logFormat);
  const log = loggerOf(pino);
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.mkdirSync(config.mediaDir, { recursive: true });
  const stored = config.adminToken ? { token: config.adminToken, created: false } : loadOrCreateAdminToken(config.dataDir);
  let keys: SigningKeys & { generated: boolean };
  try {
    keys = loadSigningKeys(keySourcesOf(config));
  } catch (e) {
    if (e instanceof KeyError) {
      process.stderr.write(`boxoffice: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (keys.generated) log.info('generated a signing key; register its public key with CloudFront (npm run cli -- keys show)', { keyPairId: keys.keyPairId });
  const verifier = createVerifier(keys.publicKeys);
  let certificate: TlsCertificate | undefined;
  try {
    certificate = config.tlsCertFile && config.tlsKeyFile ? loadTlsCertificate(config.tlsCertFile, config.tlsKeyFile) : undefined;
  } catch (e) {
    if (e instanceof CertificateError) {
      process.stderr.write(`boxoffice: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }

  const db = openDatabase(path.join(config.dataDir, 'boxoffice.db'));
  const channels = createChannelRepository(db);
  if (channels.list().length === 0) {
    createChannel(channels, { id: 'demo', title: 'Demo channel', priceCents: 0 });
    log.info('created the demo channel "demo"');
  }

  const signatureParams = signatureQueryParams(config.signingHashAlgorithm);
  const videos = createVideoRepository(db);
  const bucket = openBucket(config);
  const recorder = config.liveRecord
    ? createRecorder({
        dir: path.join(config.dataDir, 'recordings'),
        bucket,
        shelf: { channel: (id) => channels.get(id), addReplay: videos.addReplay },
        ffmpegPath: config.ffmpegPath,
        signatureParams,
        log: log.child({ part: 'recorder' }),
        now: Date.now,
      })
    : undefined;
  const live = createLiveManager({
    dir: path.join(config.dataDir, 'live'),
    settings: config,
    log,
    channelOptions: { signatureParams, ...(recorder ? { recorder } : {}) },
  });
  await live.start();
  // shows a previous process was recording when it stopped or crashed: their replays are finished from disk
  const recovering = recorder?.recover();
  const capacity = createCapacityMonitor(live, config.liveCpuBudget);
  const onDemand = createOnDemandPlayback({
    videos, bucket, verifier, log,
    ffmpegPath: config.ffmpegPath,
    cacheDir: path.join(config.dataDir, 'rtmp-cache'),
  });
  const ingest = createRtmpIngest(
    { ...createAdmission(channels, verifier, onDemand, capacity.admit), publishStarted: live.publishStarted, publishEnded: live.publishEnded },
    log.child({ part: 'ingest' }),
    { handshakeTimeoutMs: config.rtmpHandshakeTimeoutSeconds * 1000 },
  );
  const rtmpt = createRtmptTunnel({ ingest, log: log.child({ part: 'rtmpt' }), idleTimeoutMs: config.rtmptIdleTimeoutSeconds * 1000, trustProxy: config.trustProxy });
  const purchases = createPurchaseRepository(db);
  const jobs = createJobQueue({
    videos,
    concurrency: config.vodConcurrency,
    log,
    now: Date.now,
    run: (job, onProgress, signal) =>
      runPackageJob(job, { bucket, videos, settings: config, workDir: path.join(config.dataDir, 'work'), signatureParams, log, now: Date.now }, onProgress, signal),
  });
  const stripe = config.stripeSecretKey ? createStripeClient(config.stripeSecretKey, config.stripeApiUrl) : undefined;
  const gateway = stripe
    ? createStripeGateway(stripe, { accessHours: config.accessHours, now: Date.now })
    : createDemoGateway({ purchases, publicUrl: config.publicUrl, now: Date.now });
  if (!stripe) log.warn('no Stripe keys: running the demo checkout (no money moves)');
  const grants = createSigningPool(keys, {
    publicUrl: config.publicUrl,
    hashAlgorithm: config.signingHashAlgorithm,
    onThreadExit: (message) => log.error(message),
  });
  const mailer = config.smtpUrl ? createMailer(config.smtpUrl, config.smtpFrom) : undefined;
  const app = buildApp({
    config, channels, purchases, live,
    devices: createDeviceRepository(db),
    ...(mailer ? { mailer } : {}), capacity, log, verifier, gateway, stripe, videos, bucket,
    kickJobs: jobs.kick,
    cancelJobs: (videoId) => jobs.cancel(videoId),
    lastRefusal: ingest.lastRefusal,
    publishing: ingest.publishing,
    adminToken: stored.token,
    httpLog: pino,
    playerDir: path.join(ROOT, 'player'),
    consoleDir: path.join(ROOT, 'console'),
    about: { version: readVersion(), keyPairId: keys.keyPairId },
    grants,
    viewerSecret: loadOrCreateViewerSecret(config.dataDir),
    rtmpt,
  });
  await app.ready();

  const listeners: net.Server[] = [];
  // the plain ports, then the TLS ones: a port of a kind in both its HTTP and RTMP settings serves both
  const kinds = [
    { http: config.httpPort, rtmp: config.rtmpPorts, tls: undefined },
    ...(certificate ? [{ http: config.httpsPort, rtmp: config.rtmpsPorts, tls: certificate.current }] : []),
  ];
  for (const kind of kinds) {
    for (const port of new Set([...(kind.http === undefined ? [] : [kind.http]), ...kind.rtmp])) {
      const server = createSharedListener({
        rtmp: kind.rtmp.includes(port) ? ingest.handleSocket : undefined,
        http: port === kind.http ? app.server : undefined,
        tls: kind.tls,
      }, { firstByteTimeoutMs: config.rtmpHandshakeTimeoutSeconds * 1000 });
      await listen(server, port, config.bind);
      listeners.push(server);
    }
  }
  if (certificate) {
    // a renewed certificate (certbot, ACME) is picked up by new connections; live publishers stay connected
    process.on('SIGHUP', () => {
      try {
        certificate!.reload();
        log.info('TLS certificate reloaded');
      } catch (e) {
        log.error('TLS certificate reload failed; keeping the current one', { error: (e as Error).message });
      }
    });
  }
  jobs.start();
  log.info('bucket', { bucket: bucket.description });
  printBanner(config, channels.get('demo')?.streamKey, stored);
  log.info('listening', { http: config.httpPort, rtmp: config.rtmpPorts, ...(certificate ? { https: config.httpsPort, rtmps: config.rtmpsPorts } : {}), bind: config.bind });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    for (const server of listeners) server.close();
    ingest.stop();
    rtmpt.stop();
    capacity.stop();
    await Promise.all([live.stop(), jobs.stop(), recovering]);
    app.server.closeAllConnections();
    await app.close().catch(() => undefined);
    await grants.close();
    mailer?.close();
    db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function printBanner(config: Config, demoKey: string | undefined, admin: { token: string; created: boolean }): void {
  const lines = [
    '',
    'Boxoffice is running.',
    `  Player:          ${config.publicUrl}/`,
    '  OBS settings (Settings > Stream > Service: Custom):',
    `    Server:        ${obsServerUrl(config)}`,
    ...(obsRtmpsUrl(config) ? [`                   ${obsRtmpsUrl(config)}   (RTMPS, encrypted)`] : []),
    ...(demoKey ? [`    Stream key:    ${demoKey}   (channel "demo"; watch at ${config.publicUrl}/live/demo/master.m3u8)`] : []),
    `  RTMPT (RTMP over HTTP, ffmpeg and other RTMPT clients): ${rtmptUrl(config)}`,
    `  RTMP ports:      ${config.rtmpPorts.join(', ')}    HTTP port: ${config.httpPort}`,
    ...(config.rtmpsPorts.length > 0 ? [`  RTMPS ports:     ${config.rtmpsPorts.join(', ')}    HTTPS port: ${config.httpsPort}`] : []),
    ...(admin.created ? [`  Admin token (shown once, stored in ${path.join(config.dataDir, 'admin-token')}): ${admin.token}`] : []),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
