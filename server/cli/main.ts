import path from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { createChannelRepository } from '../db/channel-repository.ts';
import { openDatabase } from '../db/database.ts';
import { KeyError } from '../signing/keys.ts';
import { runChannelCommand } from './channel-commands.ts';
import { runSigningCommand } from './signing-commands.ts';
import { runVodCommand } from './vod-commands.ts';
import { runReplayCommand } from './replay-commands.ts';
import { createVideoRepository } from '../db/video-repository.ts';
import { openBucket } from '../storage/open-bucket.ts';

const USAGE = [
  'usage: boxoffice <command>',
  '  channel create <name> [--title T] [--price 4.99]   a live channel and its stream key',
  '  channel price <name> <4.99|0>                       change a channel\'s price (0 = free)',
  '  channel list                                        channels with their keys',
  '  vod add <bucket-key|file> [--title T] [--price P]   register a video and package it, with progress',
  '  vod list                                            videos and their packaged versions',
  '  replay list [--channel NAME]                       recorded shows (replays) of the live channels',
  '  replay retitle <id> <title> | price <id> <4.99|0>   change a replay\'s title or price',
  '  replay delete <id>                                  delete a replay and its files from the bucket',
  '  keys show                                           the signing key id and public key for CloudFront',
  '  sign <url> [--hours N] [--exact]                    a signed URL (the item folder; --exact: this URL only)',
].join('\n');

/** Flags that take no value. */
const BOOLEAN_FLAGS = new Set(['exact']);

/** Splits argv into positional words and `--flag value` pairs. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (BOOLEAN_FLAGS.has(a.slice(2))) flags.set(a.slice(2), 'true');
      else flags.set(a.slice(2), argv[++i] ?? '');
    } else positional.push(a);
  }
  return { positional, flags };
}

/** The operator's command line: `boxoffice <group> <command> …`. */
async function main(argv: string[]): Promise<number> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  const { positional, flags } = parseArgs(argv);
  const [group, ...rest] = positional;
  if (group !== 'channel' && group !== 'keys' && group !== 'sign' && group !== 'vod' && group !== 'replay') {
    err(USAGE);
    return group === undefined || group === 'help' ? 0 : 1;
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) return err(`boxoffice: ${e.message}`), 2;
    throw e;
  }
  if (group === 'keys' || group === 'sign') {
    try {
      return runSigningCommand(group, { positional: rest, flags }, { config, out, err });
    } catch (e) {
      if (e instanceof KeyError) return err(`boxoffice: ${e.message}`), 2;
      throw e;
    }
  }
  const db = openDatabase(path.join(config.dataDir, 'boxoffice.db'));
  try {
    if (group === 'vod') {
      const bucket = openBucket(config);
      const tty = process.stdout.isTTY === true;
      let last = '';
      const status = (line: string, final = false): void => {
        if (tty) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
        else if (line.slice(0, 37) !== last.slice(0, 37) || final) process.stdout.write(`${line}\n`);
        last = line;
      };
      return await runVodCommand({ positional: rest, flags }, { videos: createVideoRepository(db), bucket, out, err, status, publicUrl: config.publicUrl });
    }
    if (group === 'replay') return await runReplayCommand({ positional: rest, flags }, { videos: createVideoRepository(db), bucket: openBucket(config), out, err, publicUrl: config.publicUrl });
    return runChannelCommand({ positional: rest, flags }, { channels: createChannelRepository(db), config, out, err });
  } finally {
    db.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
