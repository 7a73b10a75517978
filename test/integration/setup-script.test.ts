import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

test('not root and ffmpeg missing: one clear line naming the package and the command, nothing installed', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to drop to another user');
  // a copy of the script where the unprivileged user can read it (a clone may sit in a 0700 folder),
  // and a PATH with the few tools the script needs but no ffmpeg
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-setup-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(bin);
  fs.copyFileSync(path.join(ROOT, 'scripts/ensure-deps.sh'), path.join(dir, 'scripts/ensure-deps.sh'));
  for (const d of [dir, bin, path.join(dir, 'scripts')]) fs.chmodSync(d, 0o755);
  fs.chmodSync(path.join(dir, 'scripts/ensure-deps.sh'), 0o755);
  for (const tool of ['dirname', 'id']) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  try {
    await run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/bash', path.join(dir, 'scripts/ensure-deps.sh')], { env: { PATH: bin } });
    assert.fail('the script should fail');
  } catch (e) {
    const err = e as { code: number; stderr: string; stdout: string };
    assert.equal(err.code, 1);
    assert.equal(err.stderr, 'boxoffice: missing ffmpeg; install it with: sudo apt-get install -y ffmpeg\n');
    assert.equal(err.stdout, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
