/** OBS's Settings → Stream values for a channel. */
export interface Obs {
  readonly server: string;
  readonly streamKey: string;
  readonly rtmpsServer?: string;
  readonly rtmptServer: string;
}

/** Where a channel's live transcoder is. */
export type ChannelState = 'live' | 'reconnecting' | 'degraded' | 'failed' | 'offline';

/** A channel as `GET /api/admin/channels` lists it. */
export interface Channel {
  readonly id: string;
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly streamKey: string;
  readonly online: boolean;
  readonly state: ChannelState;
  readonly viewers: number;
  readonly stats: { readonly realtime?: number; readonly cpuCores?: number; readonly bitrateInKbps?: number };
  readonly obs: Obs;
  readonly lastRefusal?: { readonly reason: string; readonly at: string };
}

/** A packaging job and how far it got (`progress` 0..1). */
export interface Job {
  readonly id: string;
  readonly videoId?: string;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  readonly progress: number;
  readonly error?: string;
}

/** A video as `GET /api/admin/videos` lists it. */
export interface Video {
  readonly id: string;
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly sourceKey: string;
  readonly version: string | null;
  readonly durationSec: number | null;
  readonly createdAt: string;
  readonly channelId?: string;
  readonly posterUrl: string | null;
  readonly viewers: number;
  readonly job: Job | null;
}

/** A resumable upload: its bucket key, size and the bytes the server has. */
export interface Upload {
  readonly id: string;
  readonly key: string;
  readonly size: number;
  readonly received: number;
  readonly chunkSize?: number;
}

/** One purchase on the sales page. */
export interface Purchase {
  readonly sessionId: string;
  readonly itemId: string;
  readonly title: string;
  readonly email: string | null;
  readonly amountCents: number;
  readonly currency: string;
  readonly paidAt: string;
  readonly state: 'paid' | 'refunded' | 'disputed';
  readonly access: 'running' | 'ended' | 'revoked';
}

/** Sales added up: sold and refunded counts, gross and net amounts. */
export interface Total {
  readonly currency: string;
  readonly sold: number;
  readonly refunded: number;
  readonly grossCents: number;
  readonly netCents: number;
}

/** What `GET /api/admin/sales` answers. */
export interface Sales {
  readonly purchases: readonly Purchase[];
  readonly totals: {
    readonly byItem: ReadonlyArray<Total & { readonly itemId: string; readonly title: string }>;
    readonly byDay: ReadonlyArray<Total & { readonly day: string }>;
  };
}

/** What `GET /api/admin/health` answers. */
export interface Health {
  readonly version: string;
  readonly node: string;
  readonly uptimeSeconds: number;
  readonly bucket: string;
  readonly signing: { readonly keyPairId: string };
  readonly ingest: { readonly rtmpPorts: readonly number[]; readonly rtmpsPorts: readonly number[]; readonly publishers: number };
  readonly transcoders: ReadonlyArray<{ readonly channelId: string; readonly state: string; readonly cpuCores?: number; readonly realtime?: number; readonly restarts: number }>;
  readonly liveBudgetCores?: number;
  readonly jobs: { readonly queued: number; readonly running: number; readonly done: number; readonly failed: number };
  readonly disk: { readonly path: string; readonly freeBytes: number; readonly totalBytes: number };
}
