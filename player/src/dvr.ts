import { formatDuration } from './format.ts';

/** The summed EXTINF durations of a media playlist, in seconds. */
export function playlistDuration(text: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) total += Number.parseFloat(line.slice(8)) || 0;
  }
  return total;
}

/** The first variant URI a master playlist lists. */
export function firstVariant(master: string): string | undefined {
  return master.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
}

/**
 * The URL of a media playlist beside a master: the variant's path resolved against the master, with the
 * master's own query (the signature) appended byte for byte (never rebuilt: that would re-encode `~`).
 */
export function mediaUrlBeside(masterUrl: string, variantUri: string): string {
  const q = masterUrl.indexOf('?');
  const query = q < 0 ? '' : masterUrl.slice(q);
  const path = variantUri.split('?')[0]!;
  return new URL(path, q < 0 ? masterUrl : masterUrl.slice(0, q)).href + query;
}

/** How far back the DVR range reaches now (seconds): the DVR master's first media playlist, summed; undefined when it cannot be read. */
export async function fetchDvrDuration(dvrUrl: string): Promise<number | undefined> {
  try {
    const master = await fetch(dvrUrl, { credentials: 'same-origin' });
    const variant = master.ok ? firstVariant(await master.text()) : undefined;
    if (!variant) return undefined;
    const media = await fetch(mediaUrlBeside(dvrUrl, variant), { credentials: 'same-origin' });
    return media.ok ? playlistDuration(await media.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** How far behind live, for people: `LIVE`, or `-1:05` / `-1:02:03`. */
export function formatBehind(seconds: number, live: boolean): string {
  return live ? 'LIVE' : `-${formatDuration(Math.max(0, seconds))}`;
}

/** The same for a screen reader: `live` or `1 minute 5 seconds behind live`. */
export function spokenBehind(seconds: number, live: boolean): string {
  if (live) return 'live';
  const s = Math.max(0, Math.round(seconds));
  const parts = [[Math.floor(s / 3600), 'hour'], [Math.floor((s % 3600) / 60), 'minute'], [s % 60, 'second']] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`);
  return `${said.join(' ') || '0 seconds'} behind live`;
}
