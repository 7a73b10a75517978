import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { createChannel } from '../../server/admin/channel-routes.ts';
import { loadConfig } from '../../server/config.ts';
import { createChannelRepository, type ChannelRepository } from '../../server/db/channel-repository.ts';
import { openDatabase } from '../../server/db/database.ts';
import { createLiveManager } from '../../server/live/live-manager.ts';
import { createLogger } from '../../server/log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The HTTP app in-process (no sockets, no ffmpeg) over an in-memory database with a `demo` channel. */
export async function buildTestApp(): Promise<{ app: FastifyInstance; channels: ChannelRepository; adminToken: string; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-app-'));
  const config = loadConfig({ DATA_DIR: dataDir, HTTP_PORT: '8080' });
  const db = openDatabase(':memory:');
  const channels = createChannelRepository(db);
  createChannel(channels, { id: 'demo', title: 'Demo', priceCents: 0 });
  const log = createLogger('error');
  const live = createLiveManager({ dir: path.join(dataDir, 'live'), settings: config, log });
  const adminToken = 'test-admin-token-0123456789';
  const app = buildApp({ config, channels, live, adminToken, log, playerDir: path.join(ROOT, 'player') });
  await app.ready();
  return {
    app,
    channels,
    adminToken,
    async close() {
      await app.close();
      await live.stop();
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
