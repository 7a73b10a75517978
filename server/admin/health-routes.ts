import fs from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { AdminGuard } from './admin-auth.ts';

/** What the health page reports, gathered by the app from the parts that know it. */
export interface HealthSources {
  readonly version: string;
  readonly bucket: string;
  readonly keyPairId: string;
  /** The folder whose disk holds live segments, staged uploads and the database. */
  readonly dataDir: string;
  readonly ingest: () => { rtmpPorts: readonly number[]; rtmpsPorts: readonly number[]; publishers: number };
  readonly transcoders: () => Array<{ channelId: string; state: string; cpuCores?: number; realtime?: number; restarts: number }>;
  readonly liveBudgetCores?: number;
  readonly jobs: () => Record<string, number>;
}

/** `GET /api/admin/health`: ingest, transcoders, packaging jobs, disk, signing key id, behind the admin guard. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthSources & { admin: AdminGuard }): void {
  app.get('/api/admin/health', { onRequest: deps.admin }, async (_req, reply) => {
    const disk = await fs.statfs(deps.dataDir);
    return reply.header('cache-control', 'no-store').send({
      version: deps.version,
      node: process.version,
      uptimeSeconds: Math.round(process.uptime()),
      bucket: deps.bucket,
      signing: { keyPairId: deps.keyPairId },
      ingest: deps.ingest(),
      transcoders: deps.transcoders(),
      ...(deps.liveBudgetCores !== undefined ? { liveBudgetCores: deps.liveBudgetCores } : {}),
      jobs: deps.jobs(),
      disk: { path: deps.dataDir, freeBytes: disk.bavail * disk.bsize, totalBytes: disk.blocks * disk.bsize },
    });
  });
}
