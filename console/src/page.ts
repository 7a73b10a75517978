import type { Api } from './api.ts';
import type { Scope } from './scope.ts';
import type { Say } from './status.ts';

/** What a page gets: the API, its scope (timers), the status bar and the way to report a failure. */
export interface PageContext {
  readonly api: Api;
  readonly scope: Scope;
  readonly say: Say;
  readonly fail: (e: unknown) => void;
}

/** A console page: renders into `root` and keeps itself fresh through the scope's timers. */
export type Page = (root: HTMLElement, ctx: PageContext) => Promise<void>;
