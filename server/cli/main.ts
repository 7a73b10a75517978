import path from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { createChannelRepository } from '../db/channel-repository.ts';
import { openDatabase } from '../db/database.ts';
import { runChannelCommand } from './channel-commands.ts';

/** Splits argv into positional words and `--flag value` pairs. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else flags.set(a.slice(2), argv[++i] ?? '');
    } else positional.push(a);
  }
  return { positional, flags };
}

/** The operator's command line: `boxoffice <group> <command> …`. */
function main(argv: string[]): number {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  const { positional, flags } = parseArgs(argv);
  const [group, ...rest] = positional;
  if (group !== 'channel') {
    err('usage: boxoffice channel create <name> [--title T] [--price 4.99] | channel list');
    return group === undefined || group === 'help' ? 0 : 1;
  }
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) return err(`boxoffice: ${e.message}`), 2;
    throw e;
  }
  const db = openDatabase(path.join(config.dataDir, 'boxoffice.db'));
  try {
    return runChannelCommand({ positional: rest, flags }, { channels: createChannelRepository(db), config, out, err });
  } finally {
    db.close();
  }
}

process.exitCode = main(process.argv.slice(2));
