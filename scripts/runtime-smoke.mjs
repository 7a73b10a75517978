// Start-up smoke test of the origin on the Node that runs this file (scripts/test-runtimes.sh runs it with
// each Node it tests, from a copy of the project): starts server/main.ts on unused loopback ports with a
// fresh data folder, waits for /healthz, creates a channel through the admin API, reads /api/catalog,
// then stops the origin by PID with SIGTERM and expects a clean exit (code 0, "stopped" logged).
// Prints one line, `smoke: ok …` or `smoke: FAILED <why>`, and the origin's output when it failed;
// warnings the origin printed (`(node:…) …Warning`) are listed either way. Exit code 0 only when ok.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_TOKEN = 'runtime-smoke-admin-token';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const httpPort = await freePort();
let rtmpPort = await freePort();
while (rtmpPort === httpPort) rtmpPort = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-smoke-'));
const base = `http://127.0.0.1:${httpPort}`;

// Only what the origin needs from outside: no configuration leaks in from the caller's environment.
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME ?? os.homedir(),
  TMPDIR: os.tmpdir(),
  HTTP_PORT: String(httpPort),
  RTMP_PORTS: String(rtmpPort),
  BIND: '127.0.0.1',
  PUBLIC_URL: base,
  DATA_DIR: dataDir,
  MEDIA_DIR: path.join(dataDir, 'media'),
  ADMIN_TOKEN,
  LIVE_RECORD: 'false',
};

const started = Date.now();
const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
let exit;
exited.then((e) => (exit = e));

async function waitFor(what, check, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (exit) throw new Error(`the origin exited (code ${exit.code}, signal ${exit.signal}) while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

async function expectJson(res, status, what) {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} (expected ${status}): ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

let result;
try {
  await waitFor('GET /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    return res.status === 200 && (await res.json()).ok === true;
  }, 30_000);
  const upMs = Date.now() - started;

  const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const created = await expectJson(
    await fetch(`${base}/api/admin/channels`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'smoke', title: 'Smoke test', priceCents: 499 }) }),
    201,
    'POST /api/admin/channels',
  );
  if (created.id !== 'smoke' || !/^sk_/.test(created.streamKey ?? '')) throw new Error(`POST /api/admin/channels answered ${JSON.stringify(created)}`);

  const catalog = await expectJson(await fetch(`${base}/api/catalog`), 200, 'GET /api/catalog');
  const ids = (catalog.items ?? []).map((i) => i.id);
  if (!ids.includes('smoke') || !ids.includes('demo')) throw new Error(`GET /api/catalog lists ${JSON.stringify(ids)}, expected the demo channel and "smoke"`);
  const smoke = catalog.items.find((i) => i.id === 'smoke');
  if (smoke.priceCents !== 499 || smoke.free !== false) throw new Error(`GET /api/catalog: the smoke channel is ${JSON.stringify(smoke)}`);

  const stopAt = Date.now();
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const { code, signal } = await exited;
  clearTimeout(timer);
  const stopMs = Date.now() - stopAt;
  if (code !== 0) throw new Error(`after SIGTERM the origin exited with code ${code}, signal ${signal} (${stopMs} ms)`);
  if (!/\bstopped\b/.test(out)) throw new Error('the origin exited 0 after SIGTERM but never logged "stopped"');
  result = { ok: true, line: `smoke: ok (healthz after ${(upMs / 1000).toFixed(1)} s, channel created, catalog lists ${ids.length} items, SIGTERM → exit 0 in ${stopMs} ms)` };
} catch (e) {
  result = { ok: false, line: `smoke: FAILED ${e.message}` };
} finally {
  if (!exit) {
    child.kill('SIGKILL');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

const warnings = out.split('\n').filter((l) => /^\(node:\d+\) \S*Warning/.test(l));
console.log(result.line);
for (const w of warnings) console.log(`smoke: warning from the origin: ${w}`);
if (!result.ok) console.log(`--- the origin's output ---\n${out.trimEnd()}\n---`);
process.exit(result.ok ? 0 : 1);
