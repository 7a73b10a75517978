export { el, formatDuration, formatPrice } from '../../player/src/format.ts';

/** A price typed in currency units (`4.99`, `5`, empty for free) as cents; undefined when it is not one. */
export function parsePrice(text: string): number | undefined {
  const t = text.trim().replace(',', '.');
  if (t === '') return 0;
  const m = /^(\d{1,6})(?:\.(\d{1,2}))?$/.exec(t);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : undefined;
}

/** An amount of money, zero included: `$0.00`, `€4.99` (a price of 0 is `Free` with formatPrice instead). */
export const formatMoney = (cents: number, currency: string): string => new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);

/** Cents as a price to edit: `4.99`. */
export const priceInput = (cents: number): string => (cents / 100).toFixed(2);

/** Bytes in binary units: `512 B`, `3.4 MiB`, `12.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** A running time: `42 s`, `12 min`, `3 h 12 min`, `2 d 4 h`. */
export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A fraction as a whole percentage, rounded down so that only a finished thing shows `100 %`. */
export const formatPercent = (fraction: number): string => `${Math.floor(Math.min(Math.max(fraction, 0), 1) * 100)} %`;

/** An optional number with its unit, or a dash. */
export const orDash = (n: number | undefined, show: (n: number) => string): string => (n === undefined ? '—' : show(n));

/** A moment for people, in the browser's time zone: `2024-05-01 14:03`. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
