/** What a shown page owns: its timers, all stopped together when the operator leaves the page or the session ends. */
export interface Scope {
  readonly active: boolean;
  /** Runs `task` every `ms` while active; a run still going skips its turn. */
  every(ms: number, task: () => unknown): void;
  /** Resolves after `ms`, or at once when the scope stops. */
  sleep(ms: number): Promise<void>;
  stop(): void;
}

/** Creates an active scope. */
export function createScope(): Scope {
  let active = true;
  const intervals = new Set<number>();
  const sleepers = new Map<number, () => void>();
  return {
    get active() {
      return active;
    },
    every(ms, task) {
      if (!active) return;
      let busy = false;
      intervals.add(window.setInterval(async () => {
        if (busy || !active) return;
        busy = true;
        try {
          await task();
        } finally {
          busy = false;
        }
      }, ms));
    },
    sleep(ms) {
      if (!active) return Promise.resolve();
      return new Promise((resolve) => {
        const id = window.setTimeout(() => {
          sleepers.delete(id);
          resolve();
        }, ms);
        sleepers.set(id, resolve);
      });
    },
    stop() {
      active = false;
      for (const id of intervals) window.clearInterval(id);
      intervals.clear();
      for (const [id, wake] of sleepers) {
        window.clearTimeout(id);
        wake();
      }
      sleepers.clear();
    },
  };
}
