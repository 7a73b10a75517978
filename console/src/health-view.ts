import { createTable, emptyRow } from './dom.ts';
import { el, formatBytes, formatUptime, orDash } from './format.ts';
import type { Page } from './page.ts';
import type { Health } from './types.ts';

/** How often health is fetched again, in ms. */
const HEALTH_MS = 5000;

/** A definition list of `[id, term]` pairs; `set` fills a definition by id. */
function facts(pairs: ReadonlyArray<readonly [string, string]>): { node: HTMLDListElement; set(id: string, value: string): void } {
  const dds = new Map(pairs.map(([id]) => [id, el('dd', { id: `health-${id}` })]));
  const node = el('dl', { class: 'facts' }, ...pairs.flatMap(([id, term]) => [el('dt', {}, term), dds.get(id)!]));
  return { node, set: (id, value) => void (dds.get(id)!.textContent = value) };
}

/** The health page: the origin, ingest, transcoders, packaging jobs and disk, refreshed every few seconds. */
export const renderHealth: Page = async (root, ctx) => {
  const origin = facts([['version', 'Version'], ['node', 'Node'], ['uptime', 'Up for'], ['bucket', 'Bucket'], ['signing', 'Signing key id']]);
  const ingest = facts([['rtmp', 'RTMP ports'], ['rtmps', 'RTMPS ports'], ['publishers', 'Publishers now'], ['budget', 'Live CPU budget']]);
  const jobs = facts([['queued', 'Queued'], ['running', 'Running'], ['done', 'Done'], ['failed', 'Failed']]);
  const disk = facts([['disk', 'Free'], ['disk-path', 'Folder']]);
  const used = el('meter', { id: 'health-disk-used', min: '0', max: '1', low: '0.8', high: '0.9', optimum: '0' });
  const transcoders = createTable('transcoders', ['Channel', 'State', 'CPU', 'Realtime', 'Restarts']);
  const show = (h: Health): void => {
    origin.set('version', h.version);
    origin.set('node', h.node);
    origin.set('uptime', formatUptime(h.uptimeSeconds));
    origin.set('bucket', h.bucket);
    origin.set('signing', h.signing.keyPairId);
    ingest.set('rtmp', h.ingest.rtmpPorts.join(', ') || '—');
    ingest.set('rtmps', h.ingest.rtmpsPorts.join(', ') || 'none (no certificate)');
    ingest.set('publishers', String(h.ingest.publishers));
    ingest.set('budget', orDash(h.liveBudgetCores, (n) => `${n.toFixed(2)} cores`));
    for (const k of ['queued', 'running', 'done', 'failed'] as const) jobs.set(k, String(h.jobs[k]));
    const { freeBytes, totalBytes } = h.disk;
    disk.set('disk', `${formatBytes(freeBytes)} free of ${formatBytes(totalBytes)}`);
    disk.set('disk-path', h.disk.path);
    used.value = totalBytes > 0 ? 1 - freeBytes / totalBytes : 0;
    used.textContent = totalBytes > 0 ? `${Math.round((1 - freeBytes / totalBytes) * 100)} % used` : '';
    transcoders.body.replaceChildren(...(h.transcoders.length > 0
      ? h.transcoders.map((t) => el('tr', { 'data-transcoder': t.channelId },
        ...[t.channelId, t.state, orDash(t.cpuCores, (n) => `${n.toFixed(2)} cores`), orDash(t.realtime, (r) => `${r.toFixed(2)}×`), String(t.restarts)].map((v) => el('td', {}, v))))
      : [emptyRow(5, 'No transcoder running: nothing is live.')]));
  };
  const refresh = async (): Promise<void> => {
    try {
      const h = await ctx.api.get<Health>('/api/admin/health');
      if (ctx.scope.active) show(h);
    } catch (e) {
      ctx.fail(e);
    }
  };
  const section = (title: string, ...body: Node[]): HTMLElement => el('section', { class: 'panel' }, el('h2', {}, title), ...body);
  root.replaceChildren(
    el('h1', {}, 'Health'),
    el('div', { class: 'cards' }, section('Origin', origin.node), section('Ingest', ingest.node), section('Packaging jobs', jobs.node), section('Disk', disk.node, used)),
    section('Transcoders', transcoders.table),
  );
  await refresh();
  ctx.scope.every(HEALTH_MS, refresh);
};
