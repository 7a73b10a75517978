import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCompleteTransportStream, nextScanStep } from '../../server/hls/segment-check.ts';

const packets = (n: number): Buffer => {
  const bytes = Buffer.alloc(n * 188);
  for (let i = 0; i < n; i++) bytes[i * 188] = 0x47;
  return bytes;
};
const list = (...numbers: number[]) => numbers.map((n) => ({ uri: `${n}.ts`, duration: 1 }));

test('a complete MPEG-TS file is whole packets, each starting with the sync byte', () => {
  assert.equal(isCompleteTransportStream(packets(3)), true);
  assert.equal(isCompleteTransportStream(Buffer.alloc(0)), false, 'empty (the write failed at once)');
  assert.equal(isCompleteTransportStream(packets(30).subarray(0, 4096)), false, 'cut off at a page');
  const zeroed = packets(3);
  zeroed[188] = 0;
  assert.equal(isCompleteTransportStream(zeroed), false, 'a packet without its sync byte');
});

test('the scanner waits for every rung, reads a segment all list, and skips one a rung has moved past', () => {
  assert.deepEqual(nextScanStep([list(0, 1), list(0)], 1), { kind: 'wait' }, 'one rung is behind');
  assert.deepEqual(nextScanStep([list(0, 1), []], 1), { kind: 'wait' }, 'an empty (not yet written) playlist');
  assert.deepEqual(nextScanStep([list(0, 1), list(1)], 1), { kind: 'ready', durations: [1, 1] });
  assert.deepEqual(nextScanStep([list(5, 6, 7), list(4, 5, 6)], 3), { kind: 'lost' }, 'both rolled past 3');
  assert.deepEqual(nextScanStep([list(3, 4), list(4, 5)], 3), { kind: 'lost' }, 'one rung will never list 3');
  assert.deepEqual(nextScanStep([[{ uri: '1', duration: 1 }], list(2)], 3), { kind: 'wait' }, 'a cut-off playlist line is not a segment');
});
