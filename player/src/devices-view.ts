import { claimDevice, emailSignInLink, fetchCatalog, requestPairing } from './api.ts';
import { el } from './format.ts';

type Say = (text: string, kind?: 'info' | 'error') => void;

/** A server message as a sentence. */
const sentence = (message: string): string => `${message.charAt(0).toUpperCase()}${message.slice(1)}${/[.!?]$/.test(message) ? '' : '.'}`;

/** "Watch on another device": shows a one-time pairing code and its QR code. */
export function createPairButton(say: Say): HTMLElement {
  const button = el('button', { id: 'pair-device', type: 'button' }, 'Watch on another device');
  const box = el('div', { id: 'pairing', class: 'pairing', hidden: '' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const answer = await requestPairing();
      if (!answer.ok) return say(sentence(answer.message), 'error');
      const { code, pairUrl, qrSvg, expiresAt } = answer.value;
      const minutes = Math.max(1, Math.round((Date.parse(expiresAt) - Date.now()) / 60_000));
      const qr = el('img', { id: 'pair-qr', alt: `QR code of ${pairUrl.split('#')[0]}`, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrSvg)}` });
      box.replaceChildren(
        el('p', {}, 'On the other device open ', el('strong', {}, pairUrl.split('#')[0]!), ' and enter this code, or scan the QR code:'),
        el('p', { id: 'pair-code', class: 'pair-code' }, code),
        qr,
        el('p', { class: 'meta' }, `It works once, for ${minutes} minutes.`),
      );
      box.hidden = false;
    } catch (e) {
      say(`No code: ${(e as Error).message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return el('span', { class: 'pair-device' }, button, box);
}

/** Claims a code or token for this browser; says what happened and whether it opened anything. */
async function claim(secret: { code: string } | { token: string }, say: Say): Promise<boolean> {
  const answer = await claimDevice(secret);
  if (!answer.ok) {
    say(sentence(answer.message), 'error');
    return false;
  }
  const full = answer.value.full.length > 0 ? ` ${answer.value.full.length} more could not be added: that purchase is on as many devices as it allows.` : '';
  say(`Done: this browser can watch ${answer.value.items.length === 1 ? 'it' : `${answer.value.items.length} items`} now.${full}`);
  return true;
}

/** For a viewer without access here: a code from another device, or a sign-in link by email. */
export function createSignInForms(emailLinks: boolean, say: Say, onAccess: () => void): HTMLElement {
  const code = el('input', { id: 'code', type: 'text', inputmode: 'text', autocomplete: 'one-time-code', maxlength: '12', placeholder: 'ABCD-EFGH', 'aria-label': 'Code from your other device' });
  const useCode = el('button', { id: 'use-code', type: 'button' }, 'Use code');
  useCode.addEventListener('click', async () => {
    useCode.disabled = true;
    if (await claim({ code: code.value }, say).catch((e: Error) => (say(e.message, 'error'), false))) onAccess();
    useCode.disabled = false;
  });
  const parts: HTMLElement[] = [el('p', {}, 'Bought it on another device? Enter the code it shows (“Watch on another device”): '), el('p', {}, code, useCode)];
  if (emailLinks) {
    const email = el('input', { id: 'email', type: 'email', autocomplete: 'email', placeholder: 'you@example.com', 'aria-label': 'The email you paid with' });
    const send = el('button', { id: 'email-link', type: 'button' }, 'Email me a link');
    send.addEventListener('click', async () => {
      send.disabled = true;
      const answer = await emailSignInLink(email.value).catch((e: Error) => ({ ok: false as const, error: 'network', message: e.message }));
      say(sentence(answer.ok ? answer.value.message : answer.message), answer.ok ? 'info' : 'error');
      send.disabled = false;
    });
    parts.push(el('p', {}, 'Or get a sign-in link at the address you paid with: '), el('p', {}, email, send));
  }
  return el('div', { id: 'sign-in', class: 'sign-in' }, ...parts);
}

/** `/pair#<code>` (typed or from a QR code) and `/signin#<token>` (an emailed link): add this browser, then list what it opened. */
export async function renderPair(root: HTMLElement, mode: 'pair' | 'signin'): Promise<void> {
  const secret = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, '', location.pathname); // the secret leaves the address bar (and history) at once
  const status = el('p', { id: 'status', role: 'status', 'aria-live': 'polite' });
  const done = el('ul', { id: 'opened', class: 'grid' });
  const say: Say = (text, kind = 'info') => {
    status.textContent = text;
    status.className = kind;
  };
  const opened = async (): Promise<void> => {
    const items = (await fetchCatalog()).filter((i) => i.accessUntil);
    done.replaceChildren(...items.map((i) => el('li', { class: 'card' }, el('a', { href: `/watch/${encodeURIComponent(i.id)}` }, el('h2', {}, i.title)))));
  };
  if (mode === 'signin') {
    root.replaceChildren(el('h1', {}, 'Sign in on this device'), status, done, el('p', {}, el('a', { href: '/' }, 'All videos and channels')));
    if (!secret) return say('This page opens from the link in your email.', 'error');
    say('Signing in…');
    if (await claim({ token: secret }, say).catch((e: Error) => (say(e.message, 'error'), false))) await opened();
    return;
  }
  const forms = createSignInForms(false, say, () => void opened());
  root.replaceChildren(el('h1', {}, 'Watch on this device'), forms, status, done, el('p', {}, el('a', { href: '/' }, 'All videos and channels')));
  const input = forms.querySelector<HTMLInputElement>('#code')!;
  if (secret) {
    input.value = secret;
    forms.querySelector<HTMLButtonElement>('#use-code')!.click();
  }
}
