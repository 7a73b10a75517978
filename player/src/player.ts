import Hls, { ErrorDetails, ErrorTypes, Events, type ErrorData, type Level } from 'hls.js';

/** A rung as the quality menu shows it. */
export interface Quality {
  readonly index: number;
  readonly label: string;
}

/** What the player tells the page. */
export interface PlayerEvents {
  /** The signature was refused (403): the URL expired or access ended. */
  accessDenied(): void;
  /** A problem worth telling the viewer, or undefined when it is over. */
  trouble(message: string | undefined): void;
  /** The rungs, once the master playlist is loaded. */
  qualities(list: Quality[]): void;
  /** The rung now playing (and whether Auto chose it). */
  levelChanged(index: number, auto: boolean): void;
  /** The stream reached its end (VOD) or the live playlist ended. */
  ended(): void;
}

/** Where a live position sits in the playlist now loaded: seconds behind the live edge, and how far back the playlist reaches. */
export interface LiveWindow {
  readonly behind: number;
  /** Seconds from the oldest listed point to the live edge. */
  readonly reach: number;
  readonly targetDuration: number;
}

/** How a playback starts. */
export interface PlaybackOptions {
  /** Seconds into the playlist's timeline (its first listed segment is 0); the live sync point when absent. */
  readonly startPosition?: number;
}

/** One playback session on a video element; `destroy` releases everything it took. */
export interface PlayerSession {
  setQuality(index: number): void;
  /** Seconds behind the live edge, or undefined when not live. */
  latency(): number | undefined;
  jumpToLive(): void;
  /** The live position within the loaded playlist, once a live playlist is loaded. */
  liveWindow(): LiveWindow | undefined;
  /** Seeks to `seconds` behind the live edge within the loaded playlist. */
  seekBehind(seconds: number): void;
  /** The wall-clock date of the playing position (PROGRAM-DATE-TIME), when the playlist carries one. */
  playingDate(): Date | undefined;
  /** The loaded playlist offers LL-HLS parts (hls.js then plays in low-latency mode). */
  lowLatency(): boolean;
  destroy(): void;
}

/** Whether this browser can play our streams: MSE (hls.js) or native HLS (Safari). */
export function browserSupport(video: HTMLVideoElement): 'mse' | 'native' | 'none' {
  if (Hls.isSupported()) return 'mse';
  return video.canPlayType('application/vnd.apple.mpegurl') ? 'native' : 'none';
}

/** How fast hls.js may play to get back to its target latency (live only; 1 while the viewer is time-shifted). The bench measured LL-HLS glass-to-glass at 2.0 s with it against 3.5 s without (hls.js otherwise stays where a stall left it). */
const CATCH_UP_RATE = 1.5;

const label = (level: Level): string => `${level.height}p · ${(level.bitrate / 1e6).toFixed(1)} Mbps`;

/**
 * Starts playback of a (signed) master playlist URL exactly as given: hls.js (full build: the `q/`
 * playlists carry the signature by variable substitution) where MSE exists, the browser's own HLS
 * (relying on the signed cookies and Apple's variable substitution) otherwise.
 */
export function startPlayback(video: HTMLVideoElement, url: string, events: PlayerEvents, opts: PlaybackOptions = {}): PlayerSession {
  if (browserSupport(video) === 'native') return startNative(video, url, events);
  const hls = new Hls({ startPosition: opts.startPosition ?? -1, enableWorker: true, lowLatencyMode: true, maxLiveSyncPlaybackRate: opts.startPosition === undefined ? CATCH_UP_RATE : 1, backBufferLength: 30, manifestLoadingMaxRetry: 4, levelLoadingMaxRetry: 6, fragLoadingMaxRetry: 6 });
  let networkRetries = 0;
  hls.on(Events.MANIFEST_PARSED, (_e, data) => {
    events.qualities(data.levels.map((level, index) => ({ index, label: label(level) })));
  });
  hls.on(Events.LEVEL_SWITCHED, (_e, data) => events.levelChanged(data.level, hls.autoLevelEnabled));
  hls.on(Events.FRAG_LOADED, () => {
    if (networkRetries > 0) events.trouble(undefined);
    networkRetries = 0;
  });
  hls.on(Events.ERROR, (_e, data: ErrorData) => {
    const status = data.response?.code;
    if (status === 403) {
      hls.stopLoad();
      events.accessDenied();
      return;
    }
    if (!data.fatal) return;
    if (data.type === ErrorTypes.NETWORK_ERROR && networkRetries < 10) {
      networkRetries++;
      events.trouble(`Network trouble: retrying (${networkRetries})…`);
      setTimeout(() => hls.startLoad(), Math.min(1000 * networkRetries, 5000));
    } else if (data.type === ErrorTypes.MEDIA_ERROR) {
      events.trouble('The video could not be decoded; recovering…');
      hls.recoverMediaError();
    } else if (data.details === ErrorDetails.MANIFEST_LOAD_ERROR || data.type === ErrorTypes.NETWORK_ERROR) {
      events.trouble('The stream cannot be reached. Check your connection and reload the page.');
    } else {
      events.trouble(`Playback failed (${data.details}).`);
    }
  });
  video.addEventListener('ended', events.ended);
  hls.loadSource(url);
  hls.attachMedia(video);
  const latency = (): number | undefined => (hls.liveSyncPosition !== null && Number.isFinite(hls.latency) ? hls.latency : undefined);
  /** Lets hls.js catch up with the live edge (at live) or not (time-shifted: the viewer chose where to watch). */
  const catchUp = (on: boolean): void => {
    hls.config.maxLiveSyncPlaybackRate = on ? CATCH_UP_RATE : 1;
    if (!on) video.playbackRate = 1;
  };
  return {
    setQuality: (index) => (hls.currentLevel = index),
    latency,
    jumpToLive() {
      if (hls.liveSyncPosition === null) return;
      catchUp(true);
      video.currentTime = hls.liveSyncPosition;
    },
    liveWindow() {
      const details = hls.latestLevelDetails;
      const behind = latency();
      const first = details?.fragments[0];
      if (!details?.live || !first || behind === undefined) return undefined;
      return { behind, reach: video.currentTime + behind - first.start, targetDuration: details.targetduration };
    },
    seekBehind(seconds) {
      const behind = latency();
      if (behind === undefined) return;
      catchUp(seconds <= 0);
      video.currentTime = Math.max(0, video.currentTime + behind - seconds);
    },
    playingDate: () => hls.playingDate ?? undefined,
    lowLatency: () => (hls.latestLevelDetails?.partList?.length ?? 0) > 0,
    destroy() {
      video.removeEventListener('ended', events.ended);
      hls.destroy();
      video.removeAttribute('src');
      video.load();
    },
  };
}

function startNative(video: HTMLVideoElement, url: string, events: PlayerEvents): PlayerSession {
  const onError = (): void => events.trouble('Playback failed. Reload the page to try again.');
  video.addEventListener('error', onError);
  video.addEventListener('ended', events.ended);
  video.src = url;
  events.qualities([]);
  return {
    setQuality: () => undefined,
    latency: () => undefined,
    liveWindow: () => undefined,
    seekBehind: () => undefined,
    playingDate: () => undefined,
    lowLatency: () => false,
    jumpToLive() {
      if (video.seekable.length > 0) video.currentTime = video.seekable.end(video.seekable.length - 1);
    },
    destroy() {
      video.removeEventListener('error', onError);
      video.removeEventListener('ended', events.ended);
      video.removeAttribute('src');
      video.load();
    },
  };
}
