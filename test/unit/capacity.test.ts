import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admitAnother, cpuSecondsOf, createCpuMeter } from '../../server/live/capacity.ts';

describe('admission control from measured load', () => {
  test('nothing measured yet: a channel is let in', () => {
    assert.deepEqual(admitAnother([], 1.7), { ok: true });
    assert.deepEqual(admitAnother([{ channelId: 'a', cores: undefined, realtime: undefined }], 1.7), { ok: true });
  });

  test('one more like the costliest must fit in the budget', () => {
    assert.deepEqual(admitAnother([{ channelId: 'a', cores: 0.8, realtime: 1 }], 1.7), { ok: true });
    const refused = admitAnother([{ channelId: 'a', cores: 0.8, realtime: 1 }, { channelId: 'b', cores: 0.5, realtime: 1 }], 1.7);
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.reason : '', /2 live transcoder\(s\) use 1\.30 of 1\.70 cores \(LIVE_CPU_BUDGET\) and one more needs about 0\.80/);
  });

  test('a channel not measured yet counts as the costliest', () => {
    const loads = [{ channelId: 'a', cores: 0.6, realtime: 1 }, { channelId: 'b', cores: undefined, realtime: undefined }];
    assert.equal(admitAnother(loads, 1.7).ok, false); // 0.6 + 0.6 + 0.6 > 1.7
    assert.equal(admitAnother(loads, 1.8).ok, true);
  });

  test('a channel falling behind realtime closes the door whatever the budget', () => {
    const verdict = admitAnother([{ channelId: 'a', cores: 0.2, realtime: 0.9 }], 8);
    assert.deepEqual(verdict, { ok: false, reason: 'the machine is at capacity: channel a runs at 0.90× realtime' });
  });
});

describe('CPU meter', () => {
  test('cores = CPU seconds over wall seconds between two readings of the same PID', () => {
    let cpu = 10;
    let t = 100;
    const meter = createCpuMeter(() => cpu, () => t);
    assert.equal(meter('a', 42), undefined);
    cpu += 1.5;
    t += 2;
    assert.equal(meter('a', 42), 0.75);
    cpu += 1;
    t += 1;
    assert.equal(meter('a', 43), undefined, 'a new PID (a restarted transcoder) starts over');
  });

  test('a process that is gone reads as unknown', () => {
    assert.equal(cpuSecondsOf(2 ** 22 + 12345), undefined);
    assert.ok((cpuSecondsOf(process.pid) ?? -1) >= 0);
  });
});
