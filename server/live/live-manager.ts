import fs from 'node:fs/promises';
import path from 'node:path';
import type { LiveFeed } from '../ingest/live-feed.ts';
import type { Logger } from '../log.ts';
import { createLiveChannel, type LiveChannel, type LiveChannelOptions, type LiveSettings, type LiveState } from './live-channel.ts';

/** Every live channel's supervisor, created on first publish. */
export interface LiveManager {
  /** Clears what a previous process left in the live folder (its playlists died with it). */
  start(): Promise<void>;
  publishStarted(feed: LiveFeed): void;
  publishEnded(channelId: string): void;
  channel(channelId: string): LiveChannel | undefined;
  states(): Map<string, LiveState>;
  /** Stops every transcoder by PID. */
  stop(): Promise<void>;
}

/** Builds the manager over the live output folder. */
export function createLiveManager(opts: {
  dir: string;
  settings: LiveSettings;
  log: Logger;
  channelOptions?: Partial<LiveChannelOptions>;
}): LiveManager {
  const channels = new Map<string, LiveChannel>();
  const get = (id: string): LiveChannel => {
    let ch = channels.get(id);
    if (!ch) {
      ch = createLiveChannel({ channelId: id, dir: path.join(opts.dir, id), settings: opts.settings, log: opts.log, ...opts.channelOptions });
      channels.set(id, ch);
    }
    return ch;
  };
  return {
    async start() {
      await fs.rm(opts.dir, { recursive: true, force: true });
      await fs.mkdir(opts.dir, { recursive: true });
    },
    publishStarted: (feed) => void get(feed.channelId).publishStarted(feed),
    publishEnded: (id) => channels.get(id)?.publishEnded(),
    channel: (id) => channels.get(id),
    states: () => new Map([...channels].map(([id, ch]) => [id, ch.state()])),
    async stop() {
      await Promise.all([...channels.values()].map((ch) => ch.stop()));
    },
  };
}
