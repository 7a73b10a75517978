import { fetchPlayback } from './api.ts';
import { el } from './format.ts';

/** "Copy link for VLC": a link with the signature in its path, for players without HLS variable substitution. */
export function createPlayerLink(itemId: string, say: (text: string, kind?: 'info' | 'error') => void): HTMLElement {
  const button = el('button', { id: 'copy-link', type: 'button' }, 'Copy link for VLC');
  const field = el('input', { id: 'player-link', type: 'text', readonly: '', 'aria-label': 'Link for VLC and other players', hidden: '' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const pb = await fetchPlayback(itemId, 'url');
      if (pb.kind !== 'ok') return say('No link: this item needs a purchase first.', 'error');
      field.value = pb.url;
      field.hidden = false;
      field.select();
      const until = pb.expiresAt ? ` It works until ${new Date(pb.expiresAt).toLocaleString()}; anyone who has it can watch, so keep it to yourself.` : '';
      const copied = await navigator.clipboard?.writeText(pb.url).then(() => true, () => false);
      say(`${copied ? 'Link copied.' : 'Copy the link from the box.'} Open it in VLC (Media › Open Network Stream) or any HLS player.${until}`);
    } catch (e) {
      say(`The link could not be made: ${(e as Error).message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return el('span', { class: 'player-link' }, button, field);
}
