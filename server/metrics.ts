import client from 'prom-client';
import type { CapacityMonitor } from './live/capacity.ts';
import type { LiveManager } from './live/live-manager.ts';
import { createRequestHistogram } from './request-histogram.ts';

/** Buckets of the request duration histograms, in seconds (memory answers take well under a millisecond). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** What `/metrics` reads at each scrape. */
export interface MetricSources {
  readonly live: Pick<LiveManager, 'states' | 'channel'>;
  readonly capacity?: Pick<CapacityMonitor, 'loads' | 'budgetCores'>;
  /** Viewers now, by item. */
  readonly viewersNow: () => Map<string, number>;
}

/** A gauge whose values are read at scrape time. */
function scrapedGauge(registry: client.Registry, name: string, help: string, labelNames: string[], read: (set: (labels: Record<string, string>, v: number) => void) => void): void {
  new client.Gauge({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      read((labels, v) => this.set(labels, v));
    },
  });
}

/**
 * The origin's Prometheus registry (prom-client): Node's default process metrics (CPU, memory, GC, event-loop
 * lag), HTTP request durations by method, route and status, and the live, transcoder and audience gauges.
 */
export function createMetrics(src: MetricSources) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const duration = createRequestHistogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration by method, route pattern and status.', buckets: DURATION_BUCKETS });
  registry.registerMetric(duration.metric as unknown as client.Metric);
  scrapedGauge(registry, 'boxoffice_live_channel_state', '1 for the state each known live channel is in.', ['channel', 'state'], (set) => {
    for (const [channel, state] of src.live.states()) set({ channel, state }, 1);
  });
  new client.Counter({
    name: 'boxoffice_transcoder_restarts_total', help: 'Live transcoder restarts after a crash.', labelNames: ['channel'], registers: [registry],
    collect() {
      this.reset();
      for (const [channel] of src.live.states()) this.inc({ channel }, src.live.channel(channel)?.restarts ?? 0);
    },
  });
  scrapedGauge(registry, 'boxoffice_viewers', 'Concurrent viewers per item (distinct viewers whose playlist reloads or segment requests arrived in the last 30 s).', ['item'], (set) => {
    for (const [item, n] of src.viewersNow()) set({ item }, n);
  });
  const capacity = src.capacity;
  if (capacity) {
    scrapedGauge(registry, 'boxoffice_transcoder_cpu_cores', 'CPU cores each live transcoder uses (sampled every 2 s).', ['channel'], (set) => {
      for (const l of capacity.loads()) if (l.cores !== undefined) set({ channel: l.channelId }, Number(l.cores.toFixed(3)));
    });
    scrapedGauge(registry, 'boxoffice_transcoder_realtime', 'Media seconds each live transcoder produces per wall second (last 10 s).', ['channel'], (set) => {
      for (const l of capacity.loads()) if (l.realtime !== undefined) set({ channel: l.channelId }, Number(l.realtime.toFixed(3)));
    });
    scrapedGauge(registry, 'boxoffice_live_cpu_budget_cores', 'CPU cores live transcoders may use together (LIVE_CPU_BUDGET).', [], (set) => set({}, capacity.budgetCores));
  }
  return {
    contentType: registry.contentType,
    render: (): Promise<string> => registry.metrics(),
    /** Records one answered request. */
    observe: duration.observe,
  };
}

/** The origin's metrics. */
export type Metrics = ReturnType<typeof createMetrics>;
