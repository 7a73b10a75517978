import type { Api } from './api.ts';
import { renderChannels } from './channels-view.ts';
import { renderHealth } from './health-view.ts';
import type { Page } from './page.ts';
import { renderSales } from './sales-view.ts';
import { createScope, type Scope } from './scope.ts';
import { createFail, type Say } from './status.ts';
import { renderVideos } from './videos-view.ts';

/** The console's pages by the last part of their path (`/admin` is Channels). */
const PAGES = { channels: renderChannels, videos: renderVideos, sales: renderSales, health: renderHealth } as const satisfies Record<string, Page>;

/** The titles of the pages. */
const TITLES: Readonly<Record<keyof typeof PAGES, string>> = { channels: 'Channels', videos: 'Videos', sales: 'Sales', health: 'Health' };

/** The page an address shows. */
export function pageOf(pathname: string): keyof typeof PAGES {
  const name = /^\/admin\/([a-z]+)\/?$/.exec(pathname)?.[1];
  return name !== undefined && Object.hasOwn(PAGES, name) ? (name as keyof typeof PAGES) : 'channels';
}

/** Shows the page the address names, in the browser (nav links and back/forward change it without a reload); `stop` leaves it. */
export function createRouter(deps: { root: HTMLElement; nav: HTMLElement; api: Api; say: Say }): { start(): void; stop(): void } {
  let scope: Scope | undefined;
  let running = false;
  const fail = createFail(deps.say);
  const show = (): void => {
    scope?.stop();
    scope = createScope();
    deps.say(''); // what was said belongs to the page left
    const name = pageOf(location.pathname);
    for (const a of deps.nav.querySelectorAll<HTMLAnchorElement>('a[data-page]')) {
      if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${TITLES[name]} · Boxoffice console`;
    void PAGES[name](deps.root, { api: deps.api, scope, say: deps.say, fail }).catch(fail);
  };
  deps.nav.addEventListener('click', (event) => {
    const link = (event.target as Element).closest<HTMLAnchorElement>('a[data-page]');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (link.pathname !== location.pathname) history.pushState(null, '', link.pathname);
    show();
  });
  window.addEventListener('popstate', () => running && show());
  return {
    start() {
      running = true;
      show();
    },
    stop() {
      running = false;
      scope?.stop();
      scope = undefined;
    },
  };
}
