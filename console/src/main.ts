import { createApi } from './api.ts';
import { createRouter } from './router.ts';
import { renderSignIn } from './signin-view.ts';
import { createSay } from './status.ts';

/** Starts the console: picks up the session (or shows the sign-in form), then the page the address names. */
async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  const nav = document.getElementById('nav')!;
  const say = createSay(document.getElementById('status')!);
  let signInForm: { say(text: string): void } | undefined;
  const signIn = (message?: string): void => {
    router.stop();
    nav.hidden = true;
    if (signInForm) return signInForm.say(message ?? '');
    signInForm = renderSignIn(root, api, message, () => {
      signInForm = undefined;
      nav.hidden = false;
      say('');
      router.start();
    });
  };
  const api = createApi({ onSignedOut: () => signIn('Your session ended; sign in again.') });
  const router = createRouter({ root, nav, api, say });
  document.getElementById('signout')!.addEventListener('click', async () => {
    await api.signOut().catch(() => undefined); // gone already: the form is what is wanted either way
    signIn('Signed out.');
  });
  try {
    if (!(await api.restore())) return signIn();
    nav.hidden = false;
    router.start();
  } catch (e) {
    say(`The console cannot reach the server: ${(e as Error).message} Reload to try again.`, 'error');
  }
}

void start();
