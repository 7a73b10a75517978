/** A price for people: `Free` or `$4.99` (in the item's currency). */
export function formatPrice(priceCents: number, currency: string): string {
  if (priceCents === 0) return 'Free';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(priceCents / 100);
}

/** A duration as `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** How long access remains: `23 h 12 min left`, `12 min left`, or `expired`. */
export function formatRemaining(untilIso: string, now = Date.now()): string {
  const minutes = Math.floor((Date.parse(untilIso) - now) / 60_000);
  if (minutes < 0) return 'expired';
  if (minutes < 60) return `${Math.max(minutes, 1)} min left`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** Creates an element with attributes and children (text or nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A length of access for people: `24 hours`, `1 hour`, `15 minutes`. */
export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} minutes`;
  return hours === 1 ? '1 hour' : `${Math.round(hours * 10) / 10} hours`;
}
