/** What RTMP refusals are about, as the window summary names them; only `key` refusals can block an address. */
export const REFUSAL_KINDS = {
  key: 'publishes with unknown stream keys',
  handshake: 'connections that did not finish the handshake in time',
  protocol: 'connections that broke the RTMP protocol or its limits',
  other: 'other connections',
} as const;

/** One of REFUSAL_KINDS. */
export type RefusalKind = keyof typeof REFUSAL_KINDS;

/** How refusals are limited per address. */
export interface RefusalLimits {
  /** Length of a window; it starts at an address's first refusal of a kind. */
  readonly windowMs: number;
  /** Key refusals within a window after which the address's new connections are closed until the window ends. */
  readonly blockAfter: number;
  /** Distinct reasons logged in full per address, kind and window; the rest only count toward the summary. */
  readonly fullLines: number;
  /** Addresses tracked at once; beyond that, refusals are counted together under OTHER_ADDRESSES and block nobody. */
  readonly maxAddresses: number;
}

/** The ingest's limits: 10 unknown keys within 10 s close an address's new RTMP connections for the rest of the 10 s. */
export const REFUSAL_LIMITS: RefusalLimits = { windowMs: 10_000, blockAfter: 10, fullLines: 3, maxAddresses: 10_000 };

/** Where refusals from addresses past `maxAddresses` are counted. */
export const OTHER_ADDRESSES = 'other addresses';

/** One address's refusals of one kind in one window, once the window has ended. */
export interface RefusalWindow {
  readonly address: string;
  readonly kind: RefusalKind;
  readonly startedAt: number;
  /** Refusals after the handshake began. */
  readonly refused: number;
  /** Connections closed before the handshake while the address was blocked. */
  readonly blocked: number;
  /** Refusals that were not logged in full. */
  readonly quiet: number;
}

/** Per-address accounting of RTMP refusals: blocks repeated unknown keys and decides what is logged. */
export interface RefusalLimiter {
  /** Whether a new connection from `address` may start a handshake (false counts it as blocked). */
  admits(address: string, now: number): boolean;
  /** Counts a refusal; true when it should be logged in full (the first of its reason in its window). */
  record(address: string, kind: RefusalKind, reason: string, now: number): boolean;
  /** Windows ended by `now` that have something not yet logged (quiet refusals or blocked connections); forgets all ended windows. */
  drain(now: number): RefusalWindow[];
}

interface OpenWindow {
  address: string;
  kind: RefusalKind;
  startedAt: number;
  refused: number;
  blocked: number;
  quiet: number;
  logged: Set<string>;
}

/** Builds a limiter over explicit times (the caller passes the clock), so it is tested with a fake one. */
export function createRefusalLimiter(limits: RefusalLimits = REFUSAL_LIMITS): RefusalLimiter {
  const open = new Map<string, OpenWindow>();
  const windowsOf = new Map<string, number>(); // open windows per address
  const ended: OpenWindow[] = [];
  const idOf = (address: string, kind: RefusalKind): string => `${kind} ${address}`;
  const live = (id: string, now: number): OpenWindow | undefined => {
    const w = open.get(id);
    if (w === undefined || now < w.startedAt + limits.windowMs) return w;
    open.delete(id);
    const left = (windowsOf.get(w.address) ?? 1) - 1;
    if (left > 0) windowsOf.set(w.address, left);
    else windowsOf.delete(w.address);
    ended.push(w);
    return undefined;
  };

  return {
    admits(address, now) {
      const w = live(idOf(address, 'key'), now);
      if (w === undefined || w.refused < limits.blockAfter) return true;
      w.blocked++;
      return false;
    },
    record(address, kind, reason, now) {
      let id = idOf(address, kind);
      let w = live(id, now);
      if (w === undefined && !windowsOf.has(address) && windowsOf.size >= limits.maxAddresses) {
        address = OTHER_ADDRESSES;
        id = idOf(address, kind);
        w = live(id, now);
      }
      if (w === undefined) {
        w = { address, kind, startedAt: now, refused: 0, blocked: 0, quiet: 0, logged: new Set() };
        open.set(id, w);
        windowsOf.set(address, (windowsOf.get(address) ?? 0) + 1);
      }
      w.refused++;
      if (w.logged.has(reason) || w.logged.size >= limits.fullLines) {
        w.quiet++;
        return false;
      }
      w.logged.add(reason);
      return true;
    },
    drain(now) {
      for (const id of [...open.keys()]) live(id, now);
      const out = ended.splice(0).filter((w) => w.quiet > 0 || w.blocked > 0);
      return out.map(({ address, kind, startedAt, refused, blocked, quiet }) => ({ address, kind, startedAt, refused, blocked, quiet }));
    },
  };
}

/** The one summary line of a window, e.g. `rtmp: refused 143 publishes with unknown stream keys (133 closed before the handshake) from 127.0.0.1 in the last 10 s`. */
export function describeWindow(w: RefusalWindow, windowMs: number): string {
  const blocked = w.blocked > 0 ? ` (${w.blocked} closed before the handshake)` : '';
  return `rtmp: refused ${w.refused + w.blocked} ${REFUSAL_KINDS[w.kind]}${blocked} from ${w.address} in the last ${Math.round(windowMs / 1000)} s`;
}
