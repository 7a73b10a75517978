import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { diesWithParent, startTranscodeJob } from '../../server/hls/transcode-job.ts';
import { createLogger } from '../../server/log.ts';
import { isAlive } from '../helpers/processes.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-job-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in for ffmpeg: a shell script with the given body. */
function fakeFfmpeg(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const log = createLogger('error');

test('a transcoder that stops reading stdin is killed once its backlog passes the cap, and says why', async () => {
  const job = startTranscodeJob({ ffmpegPath: fakeFfmpeg('stuck', 'echo "stuck on purpose" >&2; exec sleep 60'), args: [], log, maxBacklogBytes: 1 << 20 });
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < 64 && isAlive(job.pid!); i++) job.write(chunk);
  const exit = await job.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.match(exit.stderrTail, /stdin backlog over 1 MiB: ffmpeg cannot keep up/);
});

test('exit code, stderr tail and progress reports come back from the process', async () => {
  const reports: number[] = [];
  const script = 'echo "out_time_us=1500000\\nspeed=1.2x\\nprogress=continue"; echo "warning one" >&2; echo "last words" >&2; exit 3';
  const job = startTranscodeJob({ ffmpegPath: fakeFfmpeg('fails', script), args: [], log, onProgress: (p) => reports.push(p.outTimeSeconds) });
  const exit = await job.exited;
  assert.equal(exit.code, 3);
  assert.match(exit.stderrTail, /warning one\nlast words$/);
  assert.deepEqual(reports, [1.5]);
});

test('the process is started so that it dies with the origin (parent-death signal), with its own PID', () => {
  const [command, args] = diesWithParent('ffmpeg', ['-i', 'x']);
  if (!fs.existsSync('/usr/bin/setpriv')) return;
  assert.equal(command, '/usr/bin/setpriv');
  assert.deepEqual(args, ['--pdeathsig', 'KILL', '--', 'ffmpeg', '-i', 'x']);
});

test('stop() ends the process by PID: SIGTERM, then SIGKILL when it ignores it', async () => {
  const job = startTranscodeJob({ ffmpegPath: fakeFfmpeg('stubborn', "trap '' TERM; while :; do sleep 0.05; done"), args: [], log });
  await new Promise((r) => setTimeout(r, 100));
  const exit = await job.stop(300);
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(isAlive(job.pid!), false);
});

test('a missing binary is reported, not thrown', async () => {
  const exit = await startTranscodeJob({ ffmpegPath: path.join(dir, 'nope'), args: [], log }).exited;
  assert.notEqual(exit.code, 0);
  assert.match(exit.stderrTail, /spawn failed|failed to execute/);
});
