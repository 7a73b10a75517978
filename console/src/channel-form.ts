import { field } from './dom.ts';
import { el, parsePrice } from './format.ts';
import type { PageContext } from './page.ts';

/** The "New channel" form: a name (its id in URLs), a title and a price; `created` gets the new channel's id. */
export function createChannelForm(ctx: PageContext, created: (id: string) => Promise<void>): HTMLElement {
  const name = el('input', { id: 'channel-name', type: 'text', required: '', autocomplete: 'off', spellcheck: 'false', placeholder: 'friday-show', pattern: '[A-Za-z0-9_\\-]+', title: 'Letters, digits, - and _ (it is part of the channel’s URLs)' });
  const title = el('input', { id: 'channel-title', type: 'text', placeholder: 'Friday show', maxlength: '200' });
  const price = el('input', { id: 'channel-price', type: 'text', inputmode: 'decimal', placeholder: '0.00 (free)', size: '10' });
  const button = el('button', { id: 'channel-create', type: 'submit', class: 'primary' }, 'Create channel');
  const form = el('form', { id: 'channel-form', class: 'create' }, field('Name', name), field('Title', title), field('Price', price), button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const priceCents = parsePrice(price.value);
    if (priceCents === undefined) return ctx.say('The price is an amount like 4.99 (empty or 0 is free).', 'error');
    button.disabled = true;
    try {
      const body = { name: name.value.trim(), title: title.value.trim() || name.value.trim(), priceCents };
      const answer = await ctx.api.send<{ id: string }>('POST', '/api/admin/channels', body);
      ctx.say(`Channel “${body.title}” created: its OBS settings are open in the table.`);
      form.reset();
      await created(answer.id);
    } catch (e) {
      ctx.fail(e);
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { class: 'panel' }, el('h2', {}, 'New channel'), form);
}
