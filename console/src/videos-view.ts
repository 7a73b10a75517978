import { createTable } from './dom.ts';
import { el } from './format.ts';
import { createKeyedRows } from './keyed-rows.ts';
import type { Page } from './page.ts';
import type { Video } from './types.ts';
import { createUploadForm } from './upload-form.ts';
import { createVideoRow, VIDEO_COLUMNS } from './video-row.ts';

/** How often the list is fetched again, in ms (packaging progress shows in it). */
const LIST_MS = 3000;

/** The videos page: each video's state and settings (kept current) and the upload form. */
export const renderVideos: Page = async (root, ctx) => {
  const { table, body } = createTable('videos', VIDEO_COLUMNS);
  const refresh = async (): Promise<void> => {
    try {
      const { videos } = await ctx.api.get<{ videos: Video[] }>('/api/admin/videos');
      if (ctx.scope.active) rows.show(videos, (row, v) => row.update(v));
    } catch (e) {
      ctx.fail(e);
    }
  };
  const rows = createKeyedRows(body, { columns: VIDEO_COLUMNS.length, empty: 'No videos yet: upload one below.', make: (v: Video) => createVideoRow(v, ctx, () => void refresh()) });
  root.replaceChildren(el('h1', {}, 'Videos'), table, createUploadForm(ctx, () => void refresh()));
  await refresh();
  ctx.scope.every(LIST_MS, refresh);
};
