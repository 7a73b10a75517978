import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { obsProfileFiles } from './obs-profile.ts';
import { childPids, isRunning, spawnChild } from './processes.ts';
import { waitFor } from './wait.ts';

/** What OBS streams and where: the OBS "Server" field, the stream key, the canvas and an optional looping clip. */
export interface ObsOptions {
  server: string;
  streamKey: string;
  width?: number;
  height?: number;
  fps?: number;
  /** A media file shown (and heard) over the colour source, looped, so the picture moves. */
  mediaFile?: string;
  /**
   * A PEM certificate OBS alone should trust for rtmps:// (e.g. the origin's self-signed one). OBS 29's
   * librtmp (mbedtls) reads CAs only from the fixed /etc/ssl/certs/, so OBS runs in a mount namespace of its
   * own where a folder holding just this certificate is bound over it; the system's store is untouched.
   * mbedtls 2.28 matches DNS names only, so the server URL must name `localhost`, not 127.0.0.1.
   */
  caFile?: string;
}

/** Real OBS Studio under xvfb-run, streaming from its own temporary HOME. */
export interface RunningObs {
  /** PID of xvfb-run, the process spawned. */
  readonly pid: number;
  readonly home: string;
  /** PID of the `obs` process (a child of xvfb-run), once it has started. */
  obsPid(): number | undefined;
  /** PID of the Xvfb server xvfb-run started, once it has started. */
  xvfbPid(): number | undefined;
  /** OBS's stdout and stderr, then its log file under $HOME/.config/obs-studio/logs/. */
  log(): string;
  /** Resolves with the first match of `re` in `log()`; fails after `ms` or once OBS has exited. */
  waitForLog(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Stops obs by PID (SIGKILL after a timeout), makes sure Xvfb and xvfb-run are gone, removes HOME. */
  stop(): Promise<void>;
}

/** How long a process has to exit after SIGTERM before it is SIGKILLed. */
const KILL_AFTER_MS = 5_000;

/** Sends `sig` to `pid` if it still runs (it may have exited a moment ago). */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    if (isRunning(pid)) process.kill(pid, sig);
  } catch {
    // exited meanwhile
  }
}

/** Waits until `pid` has gone, SIGKILLing it after `ms`; true if it had to be killed. */
async function waitGone(pid: number, ms: number): Promise<boolean> {
  try {
    await waitFor(`process ${pid} to exit`, () => !isRunning(pid), ms, 50);
    return false;
  } catch {
    signal(pid, 'SIGKILL');
    await waitFor(`process ${pid} to die after SIGKILL`, () => !isRunning(pid), 5_000, 50);
    return true;
  }
}

/** Starts OBS headless (xvfb-run, software GL) with `--startstreaming` to `server` with `streamKey`. */
export function startObs(opts: ObsOptions): RunningObs {
  const { width = 640, height = 360, fps = 30 } = opts;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-obs-'));
  const configDir = path.join(home, '.config', 'obs-studio');
  for (const [file, text] of Object.entries(obsProfileFiles({ ...opts, width, height, fps }))) {
    fs.mkdirSync(path.dirname(path.join(configDir, file)), { recursive: true });
    fs.writeFileSync(path.join(configDir, file), text);
  }
  for (const dir of ['tmp', 'run']) fs.mkdirSync(path.join(home, dir), { mode: 0o700 });
  const { DISPLAY: _display, WAYLAND_DISPLAY: _wayland, DBUS_SESSION_BUS_ADDRESS: _dbus, ...env } = process.env;
  const xvfbRun = [
    '-a', // the first free display number
    '-e', path.join(home, 'xvfb.log'), // Xvfb's own errors, kept for diagnosis
    '-s', '-screen 0 1280x720x24',
    'obs', '--profile', 'bo', '--collection', 'bo', '--scene', 'Scene', '--startstreaming',
    '--minimize-to-tray', '--disable-updater', '--disable-shutdown-check', '--multi',
  ];
  let cmd = 'xvfb-run';
  let args = xvfbRun;
  if (opts.caFile) {
    const certs = path.join(home, 'ca-certificates');
    fs.mkdirSync(certs);
    fs.copyFileSync(opts.caFile, path.join(certs, 'test-ca.pem'));
    // unshare and sh exec in turn, so the spawned PID is still xvfb-run's; the script is fixed, paths are arguments
    [cmd, args] = ['unshare', [...privateMountArgs(), 'sh', '-c', 'mount --bind "$0" /etc/ssl/certs && exec xvfb-run "$@"', certs, ...xvfbRun]];
  }
  const child = spawnChild(cmd, args, {
    cwd: home,
    env: {
      ...env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'), // OBS prefers it to $HOME/.config
      XDG_RUNTIME_DIR: path.join(home, 'run'),
      TMPDIR: path.join(home, 'tmp'), // xvfb-run's auth folder goes with HOME even if it is killed
      LIBGL_ALWAYS_SOFTWARE: '1',
      QT_QPA_PLATFORM: 'xcb',
    },
  });
  let out = '';
  child.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let obsPid: number | undefined;
  let xvfbPid: number | undefined;
  const findObs = (): number | undefined => (obsPid ??= childPids(child.pid, 'obs')[0]);
  const findXvfb = (): number | undefined => (xvfbPid ??= childPids(child.pid, 'Xvfb')[0]);
  let fileLog = '';
  const readFileLog = (): string => {
    const dir = path.join(configDir, 'logs');
    try {
      fileLog = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
    } catch {
      // no log yet, or HOME already removed: keep the last one read
    }
    return fileLog;
  };
  const log = (): string => `${out}\n${readFileLog()}`;
  const exited = (): boolean => child.proc.exitCode !== null || child.proc.signalCode !== null;
  let stopped: Promise<void> | undefined;

  return {
    pid: child.pid,
    home,
    obsPid: findObs,
    xvfbPid: findXvfb,
    log,
    async waitForLog(re, ms = 20_000) {
      return waitFor(`OBS to log ${re}`, () => {
        findObs();
        findXvfb();
        const match = re.exec(log());
        if (match) return match;
        if (exited()) throw new Error(`OBS exited before logging ${re}:\n${log().slice(-4000)}`);
        return undefined;
      }, ms);
    },
    stop() {
      stopped ??= (async () => {
        // stopped right after starting: give xvfb-run a moment to start obs, so obs is not orphaned
        if (findObs() === undefined) await waitFor('obs to start under xvfb-run', () => findObs() ?? exited(), 5_000, 50).catch(() => undefined);
        const obs = findObs();
        const xvfb = findXvfb();
        if (obs !== undefined) {
          signal(obs, 'SIGTERM');
          await waitGone(obs, KILL_AFTER_MS);
        }
        // xvfb-run kills Xvfb and exits once obs has gone; make sure of both
        if (!(await within(child.exited, KILL_AFTER_MS))) {
          if (xvfb !== undefined) signal(xvfb, 'SIGTERM');
          await child.kill('SIGTERM');
        }
        if (xvfb !== undefined && (await waitGone(xvfb, KILL_AFTER_MS))) removeDisplayLock(xvfb);
        readFileLog();
        fs.rmSync(home, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** `unshare` options for a private mount namespace: as root a plain one, otherwise inside a user namespace. */
function privateMountArgs(): string[] {
  return process.getuid?.() === 0 ? ['--mount'] : ['--map-root-user', '--mount'];
}

/** True where OBS can be given a private /etc/ssl/certs (see `ObsOptions.caFile`): mount and user namespaces allowed. */
export function canTrustTestCa(): boolean {
  try {
    execFileSync('unshare', [...privateMountArgs(), 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** True if `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lock files an Xvfb killed with SIGKILL leaves behind in /tmp (which would make `-a` skip its display). */
function removeDisplayLock(xvfbPid: number): void {
  for (const lock of fs.readdirSync('/tmp').filter((f) => /^\.X\d+-lock$/.test(f))) {
    const file = path.join('/tmp', lock);
    try {
      if (Number(fs.readFileSync(file, 'utf8').trim()) !== xvfbPid) continue;
      fs.rmSync(file, { force: true });
      fs.rmSync(`/tmp/.X11-unix/X${/\d+/.exec(lock)![0]}`, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}
