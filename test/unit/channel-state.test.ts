import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAILURE_WINDOW_MS, initialChannelState, liveStateOf, MAX_FAILURES, nextChannelState, restartDelayMs, type ChannelEvent, type ChannelState } from '../../server/live/channel-state.ts';

const run = (events: ChannelEvent[], from: ChannelState = initialChannelState): ChannelState => events.reduce(nextChannelState, from);
const fail = (at: number): ChannelEvent => ({ type: 'transcoder-failed', at });

test('failures back off by doubling up to 8 s, and the fifth within a minute gives up', () => {
  let state = run([{ type: 'published' }]);
  const delays: Array<number | undefined> = [];
  for (let i = 0; i < MAX_FAILURES; i++) {
    state = nextChannelState(state, fail(i * 1000));
    delays.push(restartDelayMs(state, 500));
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, undefined]);
  assert.equal(state.failed, true);
  assert.equal(state.restarts, MAX_FAILURES - 1, 'giving up is not a restart');
  assert.equal(liveStateOf(state, { listed: 3, ended: true }, false), 'failed');
  assert.equal(restartDelayMs(run([fail(0), fail(1), fail(2), fail(3)], initialChannelState), 5000), 8000, 'capped at 8 s');
});

test('failures older than the window are forgotten; a new publish clears a give-up', () => {
  const spread = run(Array.from({ length: 10 }, (_, i) => fail(i * (FAILURE_WINDOW_MS / 4 + 1))));
  assert.equal(spread.failed, false);
  assert.ok(spread.failures.length < MAX_FAILURES);
  const gaveUp = run(Array.from({ length: MAX_FAILURES }, (_, i) => fail(i)));
  const again = nextChannelState(gaveUp, { type: 'published' });
  assert.equal(again.failed, false);
  assert.deepEqual(again.failures, []);
  assert.equal(again.restarts, gaveUp.restarts, 'restarts are a running total');
});

test('what viewers see follows the publisher, the session and the disk', () => {
  const connected = run([{ type: 'published' }]);
  const left = nextChannelState(connected, { type: 'unpublished' });
  assert.equal(liveStateOf(initialChannelState, undefined, false), 'idle');
  assert.equal(liveStateOf(connected, undefined, false), 'starting');
  assert.equal(liveStateOf(connected, { listed: 0, ended: false }, false), 'starting');
  assert.equal(liveStateOf(connected, { listed: 1, ended: false }, false), 'live');
  assert.equal(liveStateOf(connected, { listed: 1, ended: false }, true), 'degraded');
  assert.equal(liveStateOf(left, { listed: 1, ended: false }, true), 'reconnecting', 'a disk problem without a publisher is not shown');
  assert.equal(liveStateOf(left, { listed: 1, ended: true }, false), 'ended');
  assert.equal(nextChannelState(connected, { type: 'restarted' }).restarts, 1);
});
