import { checkChannelInput, createChannel } from '../admin/channel-routes.ts';
import type { Config } from '../config.ts';
import type { ChannelRepository } from '../db/channel-repository.ts';
import { obsServerUrl } from '../ingest/obs-settings.ts';

/** Parses a price typed by an operator in currency units (`4.99`, `5`) into cents. */
export function parsePrice(text: string | undefined): number | string {
  if (text === undefined) return 0;
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(text)) return `price "${text}": an amount like 4.99 (in currency units) or 0 for free`;
  return Math.round(Number(text) * 100);
}

/** `channel create <name> [--title T] [--price P]`, `channel price <name> <P>` and `channel list`; returns the exit code. */
export function runChannelCommand(
  args: { positional: string[]; flags: Map<string, string> },
  deps: { channels: ChannelRepository; config: Config; out: (line: string) => void; err: (line: string) => void },
): number {
  const [sub, name] = args.positional;
  if (sub === 'create') {
    const price = parsePrice(args.flags.get('price'));
    if (typeof price === 'string') return fail(deps.err, price);
    const input = checkChannelInput(name, args.flags.get('title'), price);
    if (!input.ok) return fail(deps.err, input.message);
    const channel = createChannel(deps.channels, input);
    if (!channel) return fail(deps.err, `a channel named "${input.id}" already exists`);
    deps.out(`Created channel "${channel.id}" (${formatPrice(channel.priceCents, channel.currency)}).`);
    deps.out(`OBS Server:     ${obsServerUrl(deps.config)}`);
    deps.out(`OBS Stream key: ${channel.streamKey}`);
    deps.out(`Watch:          ${deps.config.publicUrl}/live/${channel.id}/master.m3u8`);
    return 0;
  }
  if (sub === 'price') {
    const price = parsePrice(args.positional[2]);
    if (args.positional[2] === undefined || typeof price === 'string') return fail(deps.err, typeof price === 'string' ? price : 'usage: channel price <name> <price, e.g. 4.99 or 0>');
    const channel = name ? deps.channels.update(name, { priceCents: price }) : undefined;
    if (!channel) return fail(deps.err, `no channel named "${name}"`);
    deps.out(`Channel "${channel.id}" now costs ${formatPrice(channel.priceCents, channel.currency)}.`);
    return 0;
  }
  if (sub === 'list') {
    const rows = deps.channels.list();
    if (rows.length === 0) deps.out('No channels yet: npm run cli -- channel create <name>');
    for (const c of rows) deps.out(`${c.id.padEnd(20)} ${formatPrice(c.priceCents, c.currency).padEnd(10)} ${c.streamKey}  ${c.title}`);
    return 0;
  }
  return fail(deps.err, 'usage: channel create <name> [--title T] [--price 4.99] | channel price <name> <price> | channel list');
}

function formatPrice(cents: number, currency: string): string {
  return cents === 0 ? 'free' : `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

function fail(err: (line: string) => void, message: string): number {
  err(`boxoffice: ${message}`);
  return 1;
}
