import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config.ts';

/** The working folder config tests resolve paths against. */
export const CWD = path.resolve('/srv/boxoffice');

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it does not throw one). */
export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail(`loadConfig(${JSON.stringify(env)}) did not throw`);
}
