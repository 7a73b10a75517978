import { fetchCatalog, type Item } from './api.ts';
import { el, formatDuration, formatPrice, formatRemaining } from './format.ts';

/** One card of the catalog. */
function card(item: Item): HTMLElement {
  const badge = item.kind === 'live' ? el('span', { class: item.online ? 'badge live' : 'badge' }, item.online ? 'LIVE' : 'Off air') : el('span', { class: 'badge' }, formatDuration(item.durationSec ?? 0));
  const picture = item.posterUrl ? el('img', { src: item.posterUrl, alt: '', loading: 'lazy' }) : el('div', { class: 'placeholder', 'aria-hidden': 'true' }, item.kind === 'live' ? '●' : '▶');
  const price = item.accessUntil ? `Yours · ${formatRemaining(item.accessUntil)}` : formatPrice(item.priceCents, item.currency);
  return el('li', { class: 'card', 'data-id': item.id }, el('a', { href: `/watch/${encodeURIComponent(item.id)}` }, el('div', { class: 'picture' }, picture, badge), el('h2', {}, item.title), el('p', { class: 'price' }, price)));
}

/** The catalog: live channels and videos, refreshed every few seconds without reloading. */
export async function renderCatalog(root: HTMLElement): Promise<void> {
  const status = el('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
  const live = el('ul', { class: 'grid', id: 'live' });
  const videos = el('ul', { class: 'grid', id: 'videos' });
  root.replaceChildren(el('h1', {}, 'Watch'), el('h2', { class: 'section' }, 'Live'), live, el('h2', { class: 'section' }, 'Videos'), videos, status);
  const refresh = async (): Promise<void> => {
    try {
      const items = await fetchCatalog();
      const channels = items.filter((i) => i.kind === 'live').sort((a, b) => Number(b.online) - Number(a.online));
      live.replaceChildren(...(channels.length > 0 ? channels.map(card) : [el('li', { class: 'empty' }, 'No channels yet.')]));
      const vod = items.filter((i) => i.kind === 'vod');
      videos.replaceChildren(...(vod.length > 0 ? vod.map(card) : [el('li', { class: 'empty' }, 'No videos yet.')]));
      status.textContent = '';
    } catch {
      status.textContent = 'Network trouble: retrying…';
    }
  };
  await refresh();
  window.setInterval(() => void refresh(), 5000);
}
