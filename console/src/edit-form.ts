import { el, formatPrice, parsePrice, priceInput } from './format.ts';
import { field } from './dom.ts';

/** What an item's title and price form edits. */
export interface Priced {
  readonly title: string;
  readonly priceCents: number;
  readonly currency: string;
}

/** The changes the form asks for: only what differs from the item. */
export type PricedChanges = { title?: string; priceCents?: number };

/** A form that retitles an item and changes its price; `save` gets only what changed and answers the item as saved. */
export function createEditForm(item: Priced, save: (changes: PricedChanges) => Promise<Priced>, say: (text: string, kind?: 'info' | 'error') => void, fail: (e: unknown) => void): HTMLFormElement {
  let current = item;
  const title = el('input', { type: 'text', 'data-edit': 'title', required: '', maxlength: '200' });
  const price = el('input', { type: 'text', 'data-edit': 'price', inputmode: 'decimal', placeholder: '0.00', size: '8' });
  const button = el('button', { type: 'submit', 'data-action': 'save' }, 'Save');
  const show = (p: Priced): void => {
    title.value = p.title;
    price.value = priceInput(p.priceCents);
  };
  show(item);
  const form = el('form', { class: 'edit' }, field('Title', title), field(`Price (${item.currency.toUpperCase()})`, price), button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const cents = parsePrice(price.value);
    if (cents === undefined) return say('The price is an amount like 4.99 (empty or 0 is free).', 'error');
    const changes: PricedChanges = {};
    if (title.value.trim() !== current.title) changes.title = title.value.trim();
    if (cents !== current.priceCents) changes.priceCents = cents;
    if (Object.keys(changes).length === 0) return say('Nothing to save: the title and price are as they were.');
    button.disabled = true;
    try {
      current = await save(changes);
      show(current);
      say(`Saved “${current.title}” at ${formatPrice(current.priceCents, current.currency)}.`);
    } catch (e) {
      fail(e);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
