import { fetchDvrDuration } from './dvr.ts';
import { startPlayback, type PlayerEvents, type PlayerSession } from './player.ts';

/** Which playlists a live session reads: the short hot window (most viewers) or the DVR range behind it. */
export type LiveSource = 'live' | 'dvr';

/** Where the viewer is in a time-shifted live item. */
export interface TimeShiftState {
  readonly source: LiveSource;
  /** Seconds behind the live edge. */
  readonly behind: number;
  /** Seconds from the oldest point the viewer can reach to the live edge. */
  readonly span: number;
  /** Playing at the live edge (on the hot playlists, within a few segments of the edge). */
  readonly atLive: boolean;
}

/** A live session that can go back in time: the hot playlists by default, the DVR ones once the viewer seeks past the hot window. */
export interface TimeShiftSession extends PlayerSession {
  /** The position and range, or undefined before a playlist is loaded and when the origin keeps no DVR range. */
  state(): TimeShiftState | undefined;
  /** Plays from `seconds` behind the live edge (0 or less: the live edge, on the hot playlists). */
  seekBehind(seconds: number): void;
}

/**
 * How often the DVR range is measured while the viewer is on the hot playlists. In between it grows with
 * the clock, as a live show does: hot viewers read the long DVR playlist once a minute, not every few seconds.
 */
const DVR_MEASURE_MS = 60_000;

/** Behind the edge by at most this many segments counts as live. */
const LIVE_SEGMENTS = 5;

/** Starts a live item on its hot master (`url`); with `dvrUrl`, seeking back past the hot window switches to the DVR master. */
export function startTimeShift(video: HTMLVideoElement, urls: { url: string; dvrUrl?: string | undefined }, events: PlayerEvents): TimeShiftSession {
  const { url, dvrUrl } = urls;
  let source: LiveSource = 'live';
  let quality = -1;
  let measured: { span: number; at: number } | undefined;
  let seekId = 0; // a later seek or jump overrides one still measuring the DVR range
  const relay: PlayerEvents = {
    ...events,
    qualities(list) {
      events.qualities(list);
      if (quality >= 0) session.setQuality(quality); // a source switch keeps the viewer's choice
    },
  };
  let session = startPlayback(video, url, relay);
  const measure = async (): Promise<number | undefined> => {
    const span = dvrUrl ? await fetchDvrDuration(dvrUrl) : undefined;
    if (span !== undefined) measured = { span, at: Date.now() };
    return span;
  };
  const dvrSpan = (): number | undefined => measured && measured.span + (Date.now() - measured.at) / 1000;
  const poll = dvrUrl ? window.setInterval(() => void (source === 'live' && measure()), DVR_MEASURE_MS) : undefined;
  void measure();

  const switchTo = (next: LiveSource, startPosition?: number): void => {
    session.destroy();
    source = next;
    session = startPlayback(video, next === 'dvr' ? dvrUrl! : url, relay, startPosition === undefined ? {} : { startPosition });
    void video.play().catch(() => undefined); // loading a new source pauses the element
  };
  const jumpToLive = (): void => {
    seekId++;
    if (source === 'dvr') switchTo('live');
    else session.jumpToLive();
  };

  return {
    setQuality(index) {
      quality = index;
      session.setQuality(index);
    },
    latency: () => session.latency(),
    liveWindow: () => session.liveWindow(),
    playingDate: () => session.playingDate(),
    lowLatency: () => session.lowLatency(),
    jumpToLive,
    seekBehind(seconds) {
      if (seconds <= 0) return jumpToLive();
      const id = ++seekId;
      const w = session.liveWindow();
      // one segment of margin: the oldest listed segment may slide out before it is fetched
      const reachable = w ? Math.max(0, w.reach - w.targetDuration) : 0;
      if (w && (seconds <= reachable || source === 'dvr' || !dvrUrl)) return session.seekBehind(Math.min(seconds, reachable));
      void measure().then((total) => {
        if (id !== seekId) return;
        if (total === undefined) return session.seekBehind(reachable); // no DVR range after all: as far back as the hot window goes
        // the DVR timeline starts at 0 on its oldest segment
        switchTo('dvr', Math.max(0, total - seconds));
      });
    },
    state() {
      const w = session.liveWindow();
      const hot = dvrSpan();
      if (!w || (source === 'live' && hot === undefined)) return undefined;
      const span = source === 'dvr' ? w.reach : Math.max(hot ?? 0, w.reach);
      return { source, behind: Math.min(w.behind, span), span, atLive: source === 'live' && w.behind <= LIVE_SEGMENTS * w.targetDuration };
    },
    destroy() {
      seekId++;
      if (poll !== undefined) clearInterval(poll);
      session.destroy();
    },
  };
}
