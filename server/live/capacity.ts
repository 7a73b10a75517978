import fs from 'node:fs';
import { SLOW_BELOW } from '../hls/ffmpeg-progress.ts';
import type { LiveManager } from './live-manager.ts';

/** One live channel's transcoder as measured: CPU cores it uses and its recent realtime factor (undefined until known). */
export interface TranscoderLoad {
  readonly channelId: string;
  readonly cores: number | undefined;
  readonly realtime: number | undefined;
}

/** Whether one more live channel may start, and why not. */
export type CapacityVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Admission control from measured load: no new channel while a running one falls behind realtime, nor when
 * the cores the running transcoders use plus one more like the costliest would exceed the budget. Channels
 * not measured yet count as the costliest measured one; with nothing measured, a channel is let in.
 */
export function admitAnother(loads: readonly TranscoderLoad[], budgetCores: number): CapacityVerdict {
  const slow = loads.find((l) => l.realtime !== undefined && l.realtime < SLOW_BELOW);
  if (slow) return { ok: false, reason: `the machine is at capacity: channel ${slow.channelId} runs at ${slow.realtime!.toFixed(2)}× realtime` };
  const measured = loads.flatMap((l) => (l.cores === undefined ? [] : [l.cores]));
  if (measured.length === 0) return { ok: true };
  const costliest = Math.max(...measured);
  const used = measured.reduce((a, b) => a + b, 0) + (loads.length - measured.length) * costliest;
  if (used + costliest <= budgetCores) return { ok: true };
  return {
    ok: false,
    reason: `not enough CPU for another channel: ${loads.length} live transcoder(s) use ${used.toFixed(2)} of ${budgetCores.toFixed(2)} cores (LIVE_CPU_BUDGET) and one more needs about ${costliest.toFixed(2)}`,
  };
}

/** Clock ticks per second of /proc CPU times (USER_HZ: 100 on every Linux architecture Node supports). */
const USER_HZ = 100;

/** User and system CPU seconds a process has used (all its threads), from /proc; undefined when it is gone. */
export function cpuTimesOf(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces) start at the state, field 3; utime and stime are 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / USER_HZ, system: Number(fields[12]) / USER_HZ };
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used (user + system), from /proc; undefined when it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  const t = cpuTimesOf(pid);
  return t && t.user + t.system;
}

/** Cores each keyed process used since the previous call for that key (undefined on the first call, or when the PID changed or is gone). */
export function createCpuMeter(cpuSeconds: (pid: number) => number | undefined = cpuSecondsOf, now: () => number = () => performance.now() / 1000): (key: string, pid: number) => number | undefined {
  const last = new Map<string, { pid: number; cpu: number; at: number }>();
  return (key, pid) => {
    const cpu = cpuSeconds(pid);
    const at = now();
    const before = last.get(key);
    if (cpu === undefined) {
      last.delete(key);
      return undefined;
    }
    last.set(key, { pid, cpu, at });
    return before && before.pid === pid && at > before.at ? (cpu - before.cpu) / (at - before.at) : undefined;
  };
}

/** Measured load of the live transcoders, sampled every couple of seconds, and the admission decision from it. */
export interface CapacityMonitor {
  /** Whether `channelId` may start (its own earlier load, a reconnect's, is not counted against it). */
  admit(channelId: string): CapacityVerdict;
  loads(): readonly TranscoderLoad[];
  readonly budgetCores: number;
  stop(): void;
}

/** Samples each live channel's transcoder (CPU from /proc, realtime from its progress) every `intervalMs`. */
export function createCapacityMonitor(live: Pick<LiveManager, 'states' | 'channel'>, budgetCores: number, intervalMs = 2000): CapacityMonitor {
  const meter = createCpuMeter();
  let loads = new Map<string, TranscoderLoad>();
  const sample = (): void => {
    const next = new Map<string, TranscoderLoad>();
    for (const id of live.states().keys()) {
      const t = live.channel(id)?.transcoder();
      if (!t) continue;
      next.set(id, { channelId: id, cores: meter(id, t.pid) ?? loads.get(id)?.cores, realtime: t.realtime });
    }
    loads = next;
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    admit: (channelId) => admitAnother([...loads.values()].filter((l) => l.channelId !== channelId), budgetCores),
    loads: () => [...loads.values()],
    budgetCores,
    stop: () => clearInterval(timer),
  };
}
