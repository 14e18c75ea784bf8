// Test helper: runs ../shared/tools/ha_validate.py (rules from Home Assistant core) over discovery messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { componentPath, skipWithout } from './components.ts';
import { requireShared } from './shared.ts';

export interface ValidationResult {
  errors: string[];
  warnings: string[];
}

export function haValidate(
  t: TestContext,
  messages: Map<string, string>,
  prefix = 'homeassistant',
): ValidationResult | undefined {
  const tool = requireShared(t, 'tools/ha_validate.py');
  if (!tool) return undefined;
  const noPython = skipWithout(
    ['python3'],
    'skipped: the Home Assistant discovery validator is a Python script',
  );
  if (noPython) {
    t.skip(noPython);
    return undefined;
  }
  const file = join(mkdtempSync(join(tmpdir(), '3cx2mqtt-ha-')), 'discovery.json');
  writeFileSync(file, JSON.stringify(Object.fromEntries(messages)));
  const run = spawnSync(componentPath('python3')!, [tool, file, prefix], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) throw run.error;
  const errors = run.stdout.split('\n').filter(Boolean);
  const warnings = run.stderr.split('\n').filter((l) => l.startsWith('warning: '));
  if (run.status !== 0 && errors.length === 0) throw new Error(`ha_validate.py failed: ${run.stderr}`);
  return { errors, warnings };
}
