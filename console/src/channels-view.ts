import { createChannelForm } from './channel-form.ts';
import { CHANNEL_COLUMNS, createChannelRow } from './channel-row.ts';
import { createTable } from './dom.ts';
import { el } from './format.ts';
import { createKeyedRows } from './keyed-rows.ts';
import type { Page } from './page.ts';
import type { Channel } from './types.ts';

/** How often the list is fetched again, and each live channel's thumbnail, in ms. */
const LIST_MS = 3000;
const THUMBNAIL_MS = 5000;

/** The channels page: each channel's state and figures (kept current), its settings, and a form for a new one. */
export const renderChannels: Page = async (root, ctx) => {
  const { table, body } = createTable('channels', CHANNEL_COLUMNS);
  const rows = createKeyedRows(body, { columns: CHANNEL_COLUMNS.length, empty: 'No channels yet: create one below.', make: (c: Channel) => createChannelRow(c, ctx) });
  const refresh = async (): Promise<void> => {
    const fetchedAt = Date.now();
    try {
      const { channels } = await ctx.api.get<{ channels: Channel[] }>('/api/admin/channels');
      if (ctx.scope.active) rows.show(channels, (row, c) => row.update(c, fetchedAt));
    } catch (e) {
      ctx.fail(e);
    }
  };
  const form = createChannelForm(ctx, async (id) => {
    await refresh();
    rows.get(id)?.open();
  });
  root.replaceChildren(el('h1', {}, 'Channels'), table, form);
  await refresh();
  ctx.scope.every(LIST_MS, refresh);
  ctx.scope.every(THUMBNAIL_MS, () => {
    const now = Date.now();
    for (const row of rows.all()) row.refreshThumbnail(now);
  });
};
