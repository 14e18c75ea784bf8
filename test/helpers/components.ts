// Test helper: the external programs tests drive, found at fixed paths. TEST_HIDE_COMPONENTS (test-only, e.g.
// `mosquitto,baresip,sipp,chromium,python3,shared`) makes them look absent, to rehearse a machine with only Node.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hiddenByEnv, IN_CI } from './shared.ts';

const COMPONENTS = {
  mosquitto: {
    paths: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'],
    install: 'apt-get install mosquitto mosquitto-clients',
  },
  baresip: { paths: ['/usr/bin/baresip'], install: 'apt-get install baresip-core' },
  sipp: { paths: ['/usr/bin/sipp'], install: 'apt-get install sip-tester' },
  chromium: { paths: ['/usr/bin/chromium'], install: 'apt-get install chromium' },
  python3: { paths: ['/usr/bin/python3', '/usr/local/bin/python3'], install: 'apt-get install python3' },
} as const;
export type Component = keyof typeof COMPONENTS;

/** The component's path, or undefined when it is not installed (or hidden). */
export function componentPath(name: Component): string | undefined {
  if (hiddenByEnv(name)) return undefined;
  return COMPONENTS[name].paths.find((path) => existsSync(path));
}

function absence(name: Component): string {
  return hiddenByEnv(name) ? 'hidden by TEST_HIDE_COMPONENTS' : COMPONENTS[name].install;
}

/**
 * undefined when every component is there; otherwise the reason to skip, e.g. for `describe(…, { skip })`.
 * With CI=true a missing component is a failure: this throws instead.
 */
export function skipWithout(names: Component[], what: string): string | undefined {
  const missing = names.filter((name) => !componentPath(name));
  if (missing.length === 0) return undefined;
  const reason = `MISSING ${missing.map((name) => `${name} (${absence(name)})`).join(', ')}`;
  if (IN_CI) throw new Error(`${reason}: required with CI=true`);
  return `${reason}: ${what}`;
}

/** The test runner's identity: every test file of one `node --test` run is a child of the same process. */
function runId(): string {
  try {
    // Field 22 of /proc/<pid>/stat is the start time: a reused pid is a different run.
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    return `${process.ppid}-${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return String(process.ppid);
  }
}

/** Writes `line` to stderr once per test run (not once per test file), for a fact the whole run shares. */
export function sayOncePerRun(key: string, line: string): void {
  try {
    writeFileSync(join(tmpdir(), `3cx2mqtt-test-${key}-${runId()}`), line, { flag: 'wx' });
  } catch {
    return; // another test file of this run said it already
  }
  process.stderr.write(`${line}\n`);
}

/** Children still running when the test process exits (a test that failed before its clean-up) are killed. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function killOnExit(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
