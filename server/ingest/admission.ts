import { CHANNEL_NAME, type ChannelRepository } from '../db/channel-repository.ts';
import type { IngestHooks } from './rtmp-server.ts';
import { STREAM_KEY } from './stream-keys.ts';

/** Who may publish and play over RTMP: stream keys map to channels; only free channels play unsigned. */
export function createAdmission(channels: ChannelRepository): Pick<IngestHooks, 'authorizePublish' | 'authorizePlay'> {
  return {
    authorizePublish(streamKey) {
      if (!STREAM_KEY.test(streamKey)) return { ok: false, reason: 'malformed stream key' };
      const channel = channels.findByStreamKey(streamKey);
      return channel ? { ok: true, channelId: channel.id } : { ok: false, reason: 'unknown stream key' };
    },
    authorizePlay(name) {
      if (!CHANNEL_NAME.test(name)) return { ok: false, reason: 'unknown stream' };
      const channel = channels.get(name);
      if (!channel) return { ok: false, reason: 'unknown stream' };
      if (channel.priceCents > 0) return { ok: false, reason: 'paid channel: RTMP play needs a signed stream name' };
      return { ok: true, channelId: channel.id };
    },
  };
}
