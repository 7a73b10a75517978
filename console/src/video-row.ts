import { actionButton } from './dom.ts';
import { createEditForm, type Priced } from './edit-form.ts';
import { el, formatDuration, formatPercent, formatPrice } from './format.ts';
import type { PageContext } from './page.ts';
import type { Video } from './types.ts';

/** Columns of the videos table (the settings row spans them all). */
export const VIDEO_COLUMNS = ['Poster', 'Title', 'Duration', 'Price', 'State', 'Viewers'] as const;

/** One video in the table: its row, its settings row under it, and `update` for a fresh listing. */
export interface VideoRow {
  readonly rows: readonly [HTMLTableRowElement, HTMLTableRowElement];
  update(video: Video): void;
}

/** Where a video is: ready, packaging (with a progress bar), queued or failed. */
function stateOf(v: Video): Node[] {
  const job = v.job;
  if (!job || job.state === 'done') return v.version ? [el('span', { class: 'badge state-ready' }, 'ready')] : [el('span', { class: 'badge' }, 'not packaged')];
  if (job.state === 'failed') return [el('span', { class: 'badge state-failed' }, 'failed'), el('small', { class: 'error' }, job.error ?? '')];
  if (job.state === 'queued') return [el('span', { class: 'badge' }, 'queued')];
  return [el('progress', { max: '1', value: String(job.progress), 'aria-label': 'Packaging' }), el('span', { class: 'percent' }, formatPercent(job.progress))];
}

/** Creates a video's rows; `removed` runs after it is deleted. */
export function createVideoRow(first: Video, ctx: PageContext, removed: () => void): VideoRow {
  const path = `/api/admin/videos/${encodeURIComponent(first.id)}`;
  let current = first;
  const poster = el('img', { class: 'poster', alt: '', hidden: '' });
  poster.addEventListener('load', () => (poster.hidden = false));
  poster.addEventListener('error', () => (poster.hidden = true));
  const names = ['title', 'duration', 'price', 'state', 'viewers'] as const;
  const cells = Object.fromEntries(names.map((n) => [n, el('td', { 'data-cell': n })])) as Record<(typeof names)[number], HTMLTableCellElement>;
  const row = el('tr', { 'data-video': first.id }, el('td', { class: 'preview' }, poster), ...names.map((n) => cells[n]));
  const save = async (changes: object): Promise<Priced> => {
    const saved = await ctx.api.send<Video>('PATCH', path, changes);
    current = { ...current, title: saved.title, priceCents: saved.priceCents, currency: saved.currency };
    show();
    return current;
  };
  const remove = actionButton('Delete video', { 'data-action': 'delete', class: 'danger' }, async () => {
    if (!window.confirm(`Delete “${current.title}”? It leaves the catalog; viewers who bought it can no longer watch.`)) return;
    await ctx.api.send('DELETE', path);
    ctx.say(`“${current.title}” deleted.`);
    removed();
  }, ctx.fail);
  const source = el('p', { class: 'hint' }, `Source: ${first.sourceKey}`);
  const details = el('details', {}, el('summary', {}, 'Title, price, delete'), el('div', { class: 'settings' }, createEditForm(first, save, ctx.say, ctx.fail), source, el('p', {}, remove)));
  const detail = el('tr', { class: 'detail', 'data-video-detail': first.id }, el('td', { colspan: String(VIDEO_COLUMNS.length) }, details));
  const show = (): void => {
    const v = current;
    row.dataset.state = v.job?.state ?? (v.version ? 'done' : 'none');
    if (v.posterUrl && poster.getAttribute('src') !== v.posterUrl) poster.src = v.posterUrl;
    cells.title.replaceChildren(el('strong', {}, v.title), el('small', { class: 'id' }, v.id));
    cells.duration.textContent = v.durationSec === null ? '—' : formatDuration(v.durationSec);
    cells.price.textContent = formatPrice(v.priceCents, v.currency);
    cells.state.replaceChildren(...stateOf(v));
    cells.viewers.textContent = String(v.viewers);
  };
  show();
  return {
    rows: [row, detail],
    update(video) {
      current = video;
      show();
    },
  };
}
