import { emptyRow } from './dom.ts';

/** What a keyed row set holds per item: its table rows. */
export interface RowsOf {
  readonly rows: readonly HTMLTableRowElement[];
}

/**
 * A table body's rows kept per item id across refreshes: a listed item's rows are updated in place (a field being
 * typed in keeps its text and focus), a new one's made, a gone one's dropped; the rows move only when the order changes.
 */
export function createKeyedRows<T extends { readonly id: string }, R extends RowsOf>(body: HTMLTableSectionElement, opts: { columns: number; empty: string; make(item: T): R }) {
  const rows = new Map<string, R>();
  let order: string | undefined;
  return {
    get: (id: string): R | undefined => rows.get(id),
    all: (): IterableIterator<R> => rows.values(),
    /** Shows `items`, calling `update` for each one that already had rows. */
    show(items: readonly T[], update: (row: R, item: T) => void): void {
      for (const item of items) {
        const row = rows.get(item.id);
        if (row) update(row, item);
        else rows.set(item.id, opts.make(item));
      }
      for (const id of rows.keys()) if (!items.some((i) => i.id === id)) rows.delete(id);
      const ids = items.map((i) => i.id).join('\n');
      if (ids === order) return;
      order = ids;
      body.replaceChildren(...(items.length > 0 ? items.flatMap((i) => rows.get(i.id)!.rows) : [emptyRow(opts.columns, opts.empty)]));
    },
  };
}
