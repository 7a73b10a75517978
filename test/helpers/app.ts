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
import { createVerifier } from '../../server/signing/verifier.ts';

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
        ? { seq: 0, runId: run, rung, file, duration: 1, path: '/nonexistent', discontinuity: false, bytes: Buffer.from('segment bytes') }
        : undefined,
    restarts: 0,
    stop: async () => undefined,
  };
  return { start: async () => undefined, publishStarted: () => undefined, publishEnded: () => undefined, channel: () => channel, states: () => new Map([['demo', 'live']]), stop: async () => undefined };
}

/** The HTTP app in-process (no sockets, no ffmpeg) over an in-memory database with a free `demo` and a paid `paid` channel. */
export async function buildTestApp(opts: { live?: LiveManager; env?: Record<string, string> } = {}): Promise<{
  app: FastifyInstance;
  channels: ChannelRepository;
  adminToken: string;
  config: Config;
  signer: Signer;
  close(): Promise<void>;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-app-'));
  const config = loadConfig({ DATA_DIR: dataDir, HTTP_PORT: '8080', PUBLIC_URL: 'http://localhost:8080', ...opts.env });
  const db = openDatabase(':memory:');
  const channels = createChannelRepository(db);
  createChannel(channels, { id: 'demo', title: 'Demo', priceCents: 0 });
  createChannel(channels, { id: 'paid', title: 'Paid', priceCents: 500 });
  const log = createLogger('error');
  const live = opts.live ?? createLiveManager({ dir: path.join(dataDir, 'live'), settings: config, log });
  const keys = testKeys();
  const adminToken = 'test-admin-token-0123456789';
  const app = buildApp({ config, channels, live, adminToken, log, playerDir: path.join(ROOT, 'player'), verifier: createVerifier(keys.publicKeys) });
  await app.ready();
  return {
    app,
    channels,
    adminToken,
    config,
    signer: createSigner(keys, config.publicUrl, config.signingHashAlgorithm),
    async close() {
      await app.close();
      await live.stop();
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
