import { el } from './format.ts';

/** A button that runs `action` on click, disabled while it runs; a throw goes to `fail`. */
export function actionButton(label: string, attrs: Record<string, string>, action: () => Promise<void>, fail: (e: unknown) => void): HTMLButtonElement {
  const button = el('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } catch (e) {
      fail(e);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** A table with one header row; rows go into `body`. */
export function createTable(id: string, headings: readonly string[]): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = el('tbody');
  const table = el('table', { id, class: 'grid' }, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))), body);
  return { table, body };
}

/** A row holding one line of text across the whole table, e.g. "No channels yet." */
export const emptyRow = (columns: number, text: string): HTMLTableRowElement => el('tr', { class: 'empty' }, el('td', { colspan: String(columns) }, text));

/** An input with its label. */
export const field = (label: string, input: HTMLElement): HTMLLabelElement => el('label', { class: 'field' }, el('span', {}, label), input);

/** A read-only value with a "Copy" button that puts it on the clipboard and says "Copied". */
export function copyField(label: string, name: string): { node: HTMLElement; input: HTMLInputElement } {
  const input = el('input', { type: 'text', readonly: '', 'data-obs': name, spellcheck: 'false', 'aria-label': label });
  const button = el('button', { type: 'button', class: 'copy', 'data-copy': name }, 'Copy');
  let timer: number | undefined;
  button.addEventListener('click', async () => {
    window.clearTimeout(timer);
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = 'Copied';
    } catch {
      input.select(); // no clipboard access (a plain-HTTP page elsewhere than localhost): the operator copies by hand
      button.textContent = 'Press Ctrl+C';
    }
    timer = window.setTimeout(() => (button.textContent = 'Copy'), 2000);
  });
  return { node: el('div', { class: 'copy-field' }, el('span', { class: 'label' }, label), input, button), input };
}
