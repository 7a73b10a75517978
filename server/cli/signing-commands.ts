import type { Config } from '../config.ts';
import { keySourcesOf, loadSigningKeys } from '../signing/keys.ts';
import { createSigner } from '../signing/signer.ts';

/** The folder a signature for this path should open: the item (`/live/<channel>`, `/vod/<id>`), else the file's folder. */
export function itemFolder(pathname: string): string {
  const item = /^\/(?:live|vod)\/[^/]+/.exec(pathname);
  return item ? item[0] : pathname.slice(0, pathname.lastIndexOf('/'));
}

/** `keys show` and `sign <url> [--hours N] [--exact]`; returns the exit code. */
export function runSigningCommand(
  group: 'keys' | 'sign',
  args: { positional: string[]; flags: Map<string, string> },
  deps: { config: Config; out: (line: string) => void; err: (line: string) => void },
): number {
  const { config, out, err } = deps;
  const keys = loadSigningKeys(keySourcesOf(config));
  if (group === 'keys') {
    if (args.positional[0] !== 'show') return fail(err, 'usage: keys show');
    out(`Key pair id: ${keys.keyPairId}`);
    out('Public key (CloudFront console > Key management > Public keys > Create, then add it to a key group):');
    out(keys.publicKeyPem.trimEnd());
    const extra = [...keys.publicKeys.keys()].filter((id) => id !== keys.keyPairId);
    if (extra.length > 0) out(`Also accepted when verifying: ${extra.join(', ')}`);
    return 0;
  }
  const [target] = args.positional;
  const hoursText = args.flags.get('hours') ?? String(config.accessHours);
  if (!target) return fail(err, 'usage: sign <url> [--hours N] [--exact]');
  if (!/^\d{1,5}(\.\d+)?$/.test(hoursText) || Number(hoursText) <= 0) return fail(err, `--hours "${hoursText}": a positive number of hours`);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return fail(err, `"${target}" is not a URL`);
  }
  const expiresAt = new Date(Date.now() + Number(hoursText) * 3600_000);
  const signer = createSigner(keys, config.publicUrl, config.signingHashAlgorithm);
  if (url.protocol === 'rtmp:') {
    const name = url.pathname.replace(/^\/(cfx\/st|live)\//, '');
    out(`${url.protocol}//${url.host}${url.pathname.slice(0, url.pathname.length - name.length)}${signer.signStreamName(name, { expiresAt })}`);
  } else if (args.flags.has('exact')) {
    out(signer.signExactUrl(target, expiresAt));
  } else {
    out(signer.signUrlForResource(target, `${url.protocol}//${url.host}${itemFolder(url.pathname)}/*`, { expiresAt }));
  }
  err(`valid until ${expiresAt.toISOString()}`);
  return 0;
}

function fail(err: (line: string) => void, message: string): number {
  err(`boxoffice: ${message}`);
  return 1;
}
