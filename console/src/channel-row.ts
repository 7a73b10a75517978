import { actionButton } from './dom.ts';
import { createEditForm, type Priced } from './edit-form.ts';
import { el, formatPrice, formatTime, orDash } from './format.ts';
import { createObsSettings } from './obs-settings.ts';
import type { PageContext } from './page.ts';
import type { Channel, ChannelState, Obs } from './types.ts';

/** The words of a channel's state badge. */
const STATE_LABEL: Readonly<Record<ChannelState, string>> = { live: 'LIVE', offline: 'off air', reconnecting: 'reconnecting', degraded: 'degraded', failed: 'failed' };

/** Columns of the channels table (the settings row spans them all). */
export const CHANNEL_COLUMNS = ['Preview', 'Channel', 'Price', 'State', 'Viewers', 'Realtime', 'Bitrate in', 'CPU'] as const;

/** One channel in the table: its figures row, its settings row under it, and what keeps them current. */
export interface ChannelRow {
  readonly rows: readonly [HTMLTableRowElement, HTMLTableRowElement];
  /** Shows a fresh listing, fetched from `fetchedAt` on (older OBS settings than a key rotation are ignored). */
  update(channel: Channel, fetchedAt: number): void;
  /** Loads the latest live frame (while on air). */
  refreshThumbnail(now: number): void;
  /** Opens the settings. */
  open(): void;
}

/** Creates a channel's rows. */
export function createChannelRow(first: Channel, ctx: PageContext): ChannelRow {
  const path = `/api/admin/channels/${encodeURIComponent(first.id)}`;
  let current = first;
  let rotatedAt = 0;
  const thumb = el('img', { class: 'thumb', alt: `Live frame of ${first.title}`, 'data-thumbnail': first.id, hidden: '' });
  thumb.addEventListener('load', () => (thumb.hidden = false));
  thumb.addEventListener('error', () => (thumb.hidden = true));
  const names = ['title', 'price', 'state', 'viewers', 'realtime', 'bitrate', 'cpu'] as const;
  const cells = Object.fromEntries(names.map((n) => [n, el('td', { 'data-cell': n })])) as Record<(typeof names)[number], HTMLTableCellElement>;
  const row = el('tr', { 'data-channel': first.id }, el('td', { class: 'preview' }, thumb), ...names.map((n) => cells[n]));

  const obs = createObsSettings();
  const refusal = el('p', { class: 'refusal', hidden: '' });
  const save = async (changes: object): Promise<Priced> => {
    const saved = await ctx.api.send<Priced>('PATCH', path, changes);
    current = { ...current, ...saved };
    show();
    return saved;
  };
  const rotate = actionButton('Rotate stream key', { 'data-action': 'rotate' }, async () => {
    if (!window.confirm(`Give “${current.title}” a new stream key? The old key stops working: paste the new one into OBS.`)) return;
    const answer = await ctx.api.send<{ streamKey: string; obs: Obs }>('POST', `${path}/stream-key`);
    rotatedAt = Date.now();
    obs.show(answer.obs);
    ctx.say(`“${current.title}” has a new stream key: paste it into OBS.`);
  }, ctx.fail);
  const details = el('details', {}, el('summary', {}, 'Settings, OBS and stream key'), el('div', { class: 'settings' }, createEditForm(first, save, ctx.say, ctx.fail), obs.node, el('p', {}, rotate), refusal));
  const detail = el('tr', { class: 'detail', 'data-channel-detail': first.id }, el('td', { colspan: String(CHANNEL_COLUMNS.length) }, details));

  const show = (): void => {
    const c = current;
    row.dataset.state = c.state;
    cells.title.replaceChildren(el('strong', {}, c.title), el('small', { class: 'id' }, c.id));
    cells.price.textContent = formatPrice(c.priceCents, c.currency);
    const badge = el('span', { class: `badge state-${c.state}` }, STATE_LABEL[c.state] ?? c.state);
    if (c.lastRefusal) badge.title = `Last refused publish: ${c.lastRefusal.reason}`;
    cells.state.replaceChildren(badge);
    cells.viewers.textContent = String(c.viewers);
    cells.realtime.textContent = orDash(c.stats.realtime, (r) => `${r.toFixed(2)}×`);
    cells.bitrate.textContent = orDash(c.stats.bitrateInKbps, (k) => `${Math.round(k)} kb/s`);
    cells.cpu.textContent = orDash(c.stats.cpuCores, (n) => `${n.toFixed(2)} cores`);
    refusal.hidden = !c.lastRefusal;
    refusal.textContent = c.lastRefusal ? `Last refused publish (${formatTime(c.lastRefusal.at)}): ${c.lastRefusal.reason}` : '';
  };
  const refreshThumbnail = (now: number): void => {
    if (current.online) thumb.src = `${path}/thumbnail.jpg?t=${now}`;
    else {
      thumb.removeAttribute('src');
      thumb.hidden = true;
    }
  };
  show();
  obs.show(first.obs);
  refreshThumbnail(Date.now());
  return {
    rows: [row, detail],
    update(channel, fetchedAt) {
      const cameOnline = channel.online && !current.online;
      current = channel;
      show();
      if (fetchedAt > rotatedAt) obs.show(channel.obs);
      if (cameOnline || !channel.online) refreshThumbnail(Date.now());
    },
    refreshThumbnail,
    open: () => (details.open = true),
  };
}
