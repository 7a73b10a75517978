/**
 * Where a channel is in its life. `degraded`: the publisher is connected but segments cannot be written
 * (disk full, read-only, I/O errors); the playlists stay open and the channel resumes on its own once writes work.
 */
export type LiveState = 'idle' | 'starting' | 'live' | 'degraded' | 'reconnecting' | 'ended' | 'failed';

/** What a channel's supervisor knows about its publisher and transcoder, as a value. */
export interface ChannelState {
  readonly connected: boolean;
  /** The transcoder failed too often: given up until the publisher reconnects. */
  readonly failed: boolean;
  /** When the transcoder failed, within the last failure window (ms). */
  readonly failures: readonly number[];
  readonly restarts: number;
}

/** What happens to a channel. */
export type ChannelEvent =
  | { readonly type: 'published' }
  | { readonly type: 'unpublished' }
  /** A transcoder was started again for a reason that is not its fault (recycled, the disk came back). */
  | { readonly type: 'restarted' }
  | { readonly type: 'transcoder-failed'; readonly at: number };

/** The session a state is shown with: how many segments it listed and whether it is over. */
export interface SessionFacts {
  readonly listed: number;
  readonly ended: boolean;
}

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 60_000;
const MAX_BACKOFF_MS = 8000;

/** A channel nobody has published to. */
export const initialChannelState: ChannelState = { connected: false, failed: false, failures: [], restarts: 0 };

/** The state after one event. */
export function nextChannelState(state: ChannelState, event: ChannelEvent): ChannelState {
  switch (event.type) {
    case 'published':
      return { ...state, connected: true, failed: false, failures: [] };
    case 'unpublished':
      return { ...state, connected: false };
    case 'restarted':
      return { ...state, restarts: state.restarts + 1 };
    case 'transcoder-failed': {
      const failures = [...state.failures.filter((t) => event.at - t < FAILURE_WINDOW_MS), event.at];
      const failed = failures.length >= MAX_FAILURES;
      return { ...state, failures, failed, restarts: state.restarts + (failed ? 0 : 1) };
    }
  }
}

/** How long to wait before the restart that follows the last failure: doubled per failure, at most 8 s; undefined once given up. */
export function restartDelayMs(state: ChannelState, backoffMs: number): number | undefined {
  if (state.failed) return undefined;
  return Math.min(backoffMs * 2 ** Math.max(0, state.failures.length - 1), MAX_BACKOFF_MS);
}

/** What viewers and the operator see. */
export function liveStateOf(state: ChannelState, session: SessionFacts | undefined, diskProblem: boolean): LiveState {
  if (state.failed) return 'failed';
  if (state.connected && diskProblem) return 'degraded';
  if (state.connected) return session && session.listed > 0 && !session.ended ? 'live' : 'starting';
  if (session && !session.ended) return 'reconnecting';
  return session ? 'ended' : 'idle';
}
