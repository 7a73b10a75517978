import { renderCatalog } from './catalog-view.ts';
import { renderPair } from './devices-view.ts';
import { renderWatch } from './watch-view.ts';

/** Routes the page: `/` is the catalog, `/watch/<itemId>` the watch page, `/pair` and `/signin` add this browser to a purchase. */
function route(): void {
  const pageStart = 0; // performance.now() counts from navigation start: time to first frame is measured from there
  const root = document.getElementById('app')!;
  // back from checkout: the server confirmed the session; keep a reload from repeating it
  if (new URLSearchParams(location.search).has('session_id')) history.replaceState(null, '', location.pathname);
  const watch = /^\/watch\/([^/]+)$/.exec(location.pathname);
  if (watch) void renderWatch(root, decodeURIComponent(watch[1]!), pageStart);
  else if (location.pathname === '/pair' || location.pathname === '/signin') void renderPair(root, location.pathname === '/pair' ? 'pair' : 'signin');
  else void renderCatalog(root);
}

route();
