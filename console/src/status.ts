import { ApiError } from './api.ts';

/** Shows a line in the status bar: an error stays until the next line, anything else fades after a while. */
export type Say = (text: string, kind?: 'info' | 'error') => void;

/** How long an info line stays, in ms. */
const INFO_MS = 8000;

/** The status bar's `say`. */
export function createSay(bar: HTMLElement): Say {
  let timer: number | undefined;
  return (text, kind = 'info') => {
    window.clearTimeout(timer);
    bar.textContent = text;
    bar.className = kind;
    if (kind === 'info' && text) timer = window.setTimeout(() => ((bar.textContent = ''), (bar.className = '')), INFO_MS);
  };
}

/** Reports a failure in the status bar; a lost session is left to the sign-in form, which says so itself. */
export function createFail(say: Say): (e: unknown) => void {
  return (e) => {
    if (e instanceof ApiError && e.status === 401) return;
    say(e instanceof Error ? e.message : String(e), 'error');
  };
}
