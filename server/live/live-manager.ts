import fs from 'node:fs/promises';
import path from 'node:path';
import type { LiveFeed } from '../ingest/live-feed.ts';
import type { Logger } from '../log.ts';
import { createLiveChannel, type LiveChannel, type LiveChannelOptions, type LiveSettings, type LiveState } from './live-channel.ts';

/** Every live channel's supervisor, created on first publish. */
export interface LiveManager {
  /** Empties the live folder of what a previous process left (its playlists died with it); the folder itself may be a mount point. */
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
      await fs.mkdir(opts.dir, { recursive: true });
      const entries = await fs.readdir(opts.dir);
      await Promise.all(entries.map((name) => fs.rm(path.join(opts.dir, name), { recursive: true, force: true })));
    },
    publishStarted(feed) {
      get(feed.channelId)
        .publishStarted(feed)
        .catch((e: Error) => opts.log.error('live publish could not start', { channel: feed.channelId, error: e.message }));
    },
    publishEnded: (id) => channels.get(id)?.publishEnded(),
    channel: (id) => channels.get(id),
    states: () => new Map([...channels].map(([id, ch]) => [id, ch.state()])),
    async stop() {
      await Promise.all([...channels.values()].map((ch) => ch.stop()));
    },
  };
}
