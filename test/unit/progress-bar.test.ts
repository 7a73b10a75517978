import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderProgress } from '../../server/cli/progress-bar.ts';

test('the bar fills with progress and shows an ETA from the elapsed time', () => {
  assert.equal(renderProgress(0, 0), '[..............................]   0%');
  assert.equal(renderProgress(0.5, 30_000), '[###############...............]  50%  ETA 0:30');
  assert.equal(renderProgress(0.25, 60_000), '[########......................]  25%  ETA 3:00');
  assert.equal(renderProgress(1, 90_000), '[##############################] 100%');
  assert.equal(renderProgress(1.7, 1), '[##############################] 100%', 'clamped');
});
