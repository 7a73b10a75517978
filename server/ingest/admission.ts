import { CHANNEL_NAME, type ChannelRepository } from '../db/channel-repository.ts';
import type { Verifier } from '../signing/verifier.ts';
import type { IngestHooks, OnDemandPlay } from './rtmp-server.ts';
import { parsePublishKey } from './stream-keys.ts';

/**
 * Who may publish and play over RTMP: stream keys map to channels; paid channels play only with a signed
 * stream name (`<name>?Policy=…&Signature=…&Key-Pair-Id=…`, Resource = the name), checked before any media.
 * Always, whatever ENFORCE_SIGNATURES says: RTMP never passes through a CDN that could check it instead.
 */
export function createAdmission(
  channels: ChannelRepository,
  verifier: Verifier,
  onDemand?: { resolve(name: string, query: Record<string, unknown>, clientIp: string): OnDemandPlay | { ok: false; reason: string } },
  /** Whether the machine can carry this channel's transcoder too (admission control from measured load). */
  capacity?: (channelId: string) => { ok: true } | { ok: false; reason: string },
): Pick<IngestHooks, 'authorizePublish' | 'authorizePlay'> {
  return {
    authorizePublish(name) {
      const parsed = parsePublishKey(name);
      if (!parsed.ok) return parsed;
      const channel = channels.findByStreamKey(parsed.key);
      if (!channel) return { ok: false, reason: 'unknown stream key' };
      const room = capacity?.(channel.id) ?? { ok: true };
      return room.ok ? { ok: true, channelId: channel.id } : { ok: false, reason: `channel ${channel.id}: ${room.reason}`, capacity: true };
    },
    authorizePlay(name, query, clientIp) {
      const channel = CHANNEL_NAME.test(name) ? channels.get(name) : undefined;
      if (!channel) return onDemand ? onDemand.resolve(name, query, clientIp) : { ok: false, reason: 'unknown stream' };
      if (channel.priceCents > 0) {
        const verdict = verifier.verifyStreamName(name, query, clientIp);
        if (!verdict.ok) return { ok: false, reason: `paid channel, signature refused: ${verdict.code} (${verdict.reason})` };
      }
      return { ok: true, channelId: channel.id };
    },
  };
}
