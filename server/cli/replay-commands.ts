import { checkReplayChange, deleteVideo, findReplay } from '../admin/replay-routes.ts';
import type { VideoRepository } from '../db/video-repository.ts';
import type { Bucket } from '../storage/bucket.ts';
import { parsePrice } from './channel-commands.ts';

/** What the replay commands need. */
export interface ReplayCommandDeps {
  readonly videos: VideoRepository;
  readonly bucket: Bucket;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly publicUrl: string;
}

const USAGE = 'usage: replay list [--channel NAME] | replay retitle <id> <title> | replay price <id> <4.99|0> | replay delete <id>';

/** `replay list|retitle|price|delete`: the recorded shows of live channels. */
export async function runReplayCommand(args: { positional: string[]; flags: Map<string, string> }, deps: ReplayCommandDeps): Promise<number> {
  const [sub, id, ...words] = args.positional;
  if (sub === 'list') {
    const replays = deps.videos.replays(args.flags.get('channel'));
    if (replays.length === 0) deps.out('No replays yet: every live show is recorded and listed here when it ends.');
    for (const r of replays) {
      const price = r.priceCents === 0 ? 'free' : `${(r.priceCents / 100).toFixed(2)} ${r.currency.toUpperCase()}`;
      deps.out(`${r.id}  ${r.channelId!.padEnd(16)} ${price.padEnd(10)} ${`${Math.round(r.durationSec ?? 0)}s`.padEnd(7)} ${r.title}  ${deps.publicUrl}/vod/${r.id}/master.m3u8`);
    }
    return 0;
  }
  if (!id || !['retitle', 'price', 'delete'].includes(sub ?? '')) return fail(deps.err, USAGE);
  const replay = findReplay(deps.videos, id);
  if (!replay) return fail(deps.err, `no replay "${id}" (replay list shows them)`);
  if (sub === 'delete') {
    const files = await deleteVideo(deps, replay);
    deps.out(`Deleted replay ${replay.id} ("${replay.title}") and its ${files} files`);
    return 0;
  }
  const price = sub === 'price' ? (words[0] === undefined ? USAGE : parsePrice(words[0])) : undefined;
  if (typeof price === 'string') return fail(deps.err, price);
  const change = sub === 'price' ? checkReplayChange(undefined, price) : checkReplayChange(words.join(' ') || undefined, undefined);
  if (!change.ok) return fail(deps.err, change.message);
  const { ok: _ok, ...fields } = change;
  const r = deps.videos.update(replay.id, fields)!;
  deps.out(`Replay ${r.id}: "${r.title}", ${r.priceCents === 0 ? 'free' : `${(r.priceCents / 100).toFixed(2)} ${r.currency.toUpperCase()}`}`);
  return 0;
}

function fail(err: (line: string) => void, message: string): number {
  err(`boxoffice: ${message}`);
  return 1;
}
