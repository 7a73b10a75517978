import { ApiError, type Api } from './api.ts';
import { el } from './format.ts';

/** The sign-in form: the admin token; `signedIn` runs once the session is open. `message` says why it is shown. */
export function renderSignIn(root: HTMLElement, api: Api, message: string | undefined, signedIn: () => void): { say(text: string): void } {
  const token = el('input', { id: 'signin-token', type: 'password', required: '', autocomplete: 'current-password', spellcheck: 'false' });
  const button = el('button', { id: 'signin', type: 'submit', class: 'primary' }, 'Sign in');
  const said = el('p', { id: 'signin-message', role: 'alert' }, message ?? '');
  const form = el('form', { id: 'signin-form', class: 'signin' },
    el('h1', {}, 'Sign in'),
    el('label', { for: 'signin-token' }, 'Admin token'),
    token,
    el('p', { class: 'hint' }, 'It is in the data folder’s admin-token file (npm start prints it on the first start), or ADMIN_TOKEN.'),
    button,
    said);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    said.textContent = '';
    said.className = '';
    try {
      await api.signIn(token.value.trim());
      signedIn();
    } catch (e) {
      said.className = 'error';
      said.textContent = e instanceof ApiError && e.status === 401 ? 'That is not the admin token.' : (e as Error).message;
      token.select();
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(form);
  token.focus();
  return { say: (text) => void (said.textContent = text) };
}
