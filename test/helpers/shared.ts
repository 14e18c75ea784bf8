// Test helper: the project's read-only ../shared folder (contract, 3CX OpenAPI file, validators).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const IN_CI = process.env.CI === 'true';

/**
 * True when `relative` exists under ../shared. On a laptop without it the test skips with a loud reason;
 * with CI=true a missing component is a failure.
 */
export function requireShared(t: TestContext, relative: string): string | undefined {
  const path = `${SHARED_DIR}${relative}`;
  if (existsSync(path)) return path;
  const reason = `MISSING ../shared/${relative}: this test needs the project's shared folder`;
  if (IN_CI) throw new Error(reason);
  t.skip(reason);
  return undefined;
}
