// Test helper: the project's read-only ../shared folder (contract, 3CX OpenAPI file, validators).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const IN_CI = process.env.CI === 'true';

/**
 * Whether TEST_HIDE_COMPONENTS (test-only) names `name`: a component, or `shared` for this folder. Not a TCX2MQTT_
 * name: the gateway reads every TCX2MQTT_* variable as configuration and refuses unknown ones.
 */
export function hiddenByEnv(name: string): boolean {
  return (process.env.TEST_HIDE_COMPONENTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(name);
}

/** The path of `relative` under ../shared, or undefined when it is absent (or TEST_HIDE_COMPONENTS names `shared`). */
export function sharedPath(relative: string): string | undefined {
  const path = `${SHARED_DIR}${relative}`;
  return !hiddenByEnv('shared') && existsSync(path) ? path : undefined;
}

/** undefined when ../shared/`relative` exists, else the reason to skip (for `describe(…, { skip })`); CI: throws. */
export function withoutShared(relative: string): string | undefined {
  if (sharedPath(relative)) return undefined;
  const reason = `MISSING ../shared/${relative}: this test needs the project's shared folder`;
  if (IN_CI) throw new Error(reason);
  return reason;
}

/**
 * The path when `relative` exists under ../shared. On a laptop without it the test skips with a loud reason;
 * with CI=true a missing component is a failure. Inside a test only (a hook's context cannot skip).
 */
export function requireShared(t: TestContext, relative: string): string | undefined {
  const reason = withoutShared(relative);
  if (!reason) return sharedPath(relative);
  t.skip(reason);
  return undefined;
}
