// `npm run bench [-- --quick] [--profile] [--only a,b] [--no-build]`: issue 14's end-to-end benchmark. Builds, then
// runs mosquitto, the simulator and the shipped gateway as separate processes, measures from outside (MQTT
// subscriber, /proc, the simulator's request log, HTTP), prints a table and, as the last line, one JSON object.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchContext } from './context.ts';
import { killChildrenOnExit } from './lib/children.ts';
import { mosquittoBinary } from '../test/helpers/mosquitto.ts';
import { loadAverage, machine } from './lib/proc.ts';
import { holdCalls } from './lib/sim-calls.ts';
import { SimulatorProcess } from './lib/simulator.ts';
import { jsonFigures, table, writeResults } from './report.ts';
import { callsScenario } from './scenarios/calls.ts';
import { directoryScenario } from './scenarios/directory.ts';
import { idleScenario } from './scenarios/idle.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { oldBindingScenario } from './scenarios/old-binding.ts';
import { scaleScenario } from './scenarios/scale.ts';
import { simReadsScenario } from './scenarios/sim-reads.ts';
import { sqliteScenario } from './scenarios/sqlite.ts';
import { FULL, QUICK } from './settings.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const SCENARIOS = ['idle', 'latency', 'old-binding', 'calls', 'directory', 'scale', 'sqlite'] as const;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const only = new Set(values.only ? values.only.split(',') : SCENARIOS);
for (const name of only)
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new Error(`--only: unknown scenario "${name}" (${SCENARIOS.join(', ')})`);

killChildrenOnExit();
const settings = values.quick ? QUICK : FULL;
const started = Date.now();
const stamp = new Date(started).toISOString().replace(/\..*/, '').replace(/:/g, '') + `-${settings.mode}`;
const runDir = mkdtempSync(join(tmpdir(), '3cx2mqtt-bench-'));
const elapsed = () =>
  `${String(Math.floor((Date.now() - started) / 60_000)).padStart(2, '0')}:${String(Math.floor(((Date.now() - started) % 60_000) / 1000)).padStart(2, '0')}`;
const ctx: BenchContext = {
  settings,
  stack: {
    cli: CLI,
    runDir,
    root: ROOT,
    ...(values.profile ? { profileDir: join(runDir, 'profiles') } : {}),
  },
  figures: {},
  raw: {},
  load: {},
  profiles: {},
  notes: [],
  progress: (message) => console.error(`[${elapsed()}] ${message}`),
};

const failed: string[] = [];

/** Runs one scenario; a failure is reported (and fails the run) but the other scenarios still run. */
async function phase(name: string, run: () => Promise<void> | void): Promise<void> {
  ctx.load[name] = loadAverage()[0];
  ctx.progress(`${name} (load ${ctx.load[name]})`);
  const phaseStart = Date.now();
  try {
    await run();
  } catch (error) {
    failed.push(name);
    ctx.notes.push(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    ctx.progress(`${name} FAILED: ${error instanceof Error ? error.stack : String(error)}`);
  }
  ctx.raw[`${name}_duration_s`] = (Date.now() - phaseStart) / 1000;
}

ctx.progress(`${settings.mode} run; children's logs in ${runDir}`);
const loadAtStart = loadAverage();
if (!values['no-build']) {
  ctx.progress('npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 300_000 });
}

const { small, large } = settings;
if (only.has('idle') || only.has('latency') || only.has('old-binding')) {
  const start = (name: string) => SimulatorProcess.start(CLI, { ...small }, runDir, name);
  // Latency runs during the idle scenario on a simulator of its own: a minute saved, and neither touches the
  // other's figures (CPU is per process; the idle gateway's MQTT and PBX traffic are its own).
  const alongside = only.has('idle') && only.has('latency');
  const [sim, oldSim, ownLatencySim] = await Promise.all([
    start('sim-small'),
    only.has('old-binding') ? start('sim-old-binding') : undefined,
    alongside ? start('sim-latency') : undefined,
  ]);
  const latencySim = ownLatencySim ?? sim;
  try {
    // The old binding talks to its own simulator, alongside the idle and latency scenarios (it is light).
    const oldBinding = oldSim ? oldBindingScenario(ctx, oldSim) : Promise.resolve();
    const idle = only.has('idle') ? phase('idle', () => idleScenario(ctx, sim)) : Promise.resolve();
    if (alongside) await Promise.all([idle, phase('latency', () => latencyScenario(ctx, latencySim))]);
    else {
      await idle;
      if (only.has('latency')) await phase('latency', () => latencyScenario(ctx, latencySim));
    }
    if (oldSim) ctx.progress('old binding: waiting for its minute to end');
    await oldBinding;
  } finally {
    await Promise.all([sim.stop(), oldSim?.stop(), ownLatencySim?.stop()]);
  }
}
if (only.has('directory') || only.has('calls') || only.has('scale')) {
  const start = (name: string) => SimulatorProcess.start(CLI, { extensions: large.extensions }, runDir, name);
  const sim = await start('sim-large');
  // The calls scenario has a simulator of its own, so that it can run while the scale gateway waits for its RSS.
  const callsSim = only.has('calls') ? await start('sim-large-calls') : undefined;
  try {
    // Calls are set up while the directory scenario measures (its calls poller is off, so it never sees them).
    let holding: Promise<unknown> | undefined;
    const hold = () =>
      (holding ??= Promise.all([holdCalls(sim, large.calls), callsSim && holdCalls(callsSim, large.calls)]));
    if (only.has('directory')) await phase('directory', () => directoryScenario(ctx, sim, hold));
    await hold();
    ctx.figures.held_calls = (await sim.state()).active_calls.length;
    const calls = callsSim ? () => phase('calls', () => callsScenario(ctx, callsSim)) : undefined;
    if (only.has('scale')) await phase('scale', () => scaleScenario(ctx, sim, calls));
    else await calls?.();
    await phase('sim-reads', () => simReadsScenario(ctx, sim, '10k'));
  } finally {
    await Promise.all([sim.stop(), callsSim?.stop()]);
  }
}
// Quick's large scenario is 2,000 extensions + 1,000 calls: issue 17's calls-poll row, measured apart.
if (large.extensions === 2000 && ctx.figures.active_calls_cpu_ms_1k !== undefined)
  ctx.figures.active_calls_cpu_ms_1k_2k = ctx.figures.active_calls_cpu_ms_1k;
if (only.has('sqlite')) await phase('sqlite', () => sqliteScenario(ctx));

const durationS = (Date.now() - started) / 1000;
const loadAtEnd = loadAverage();
const figures = jsonFigures(ctx.figures);
const line = {
  mode: settings.mode,
  ...figures,
  large_extensions: large.extensions,
  large_calls: large.calls,
  broker: mosquittoBinary() ? 'mosquitto' : 'aedes',
  machine: machine(),
  load_avg_start: loadAtStart,
  load_avg_end: loadAtEnd,
  load_1min_by_scenario: ctx.load,
  duration_s: Math.round(durationS),
  failed_scenarios: failed,
  git_commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
  date: new Date(started).toISOString(),
};
const resultsFile = writeResults(
  join(ROOT, 'bench', 'results'),
  stamp,
  { ...line, notes: ctx.notes, profiles: summariseProfiles() },
  { ...line, raw: ctx.raw, profiles: ctx.profiles },
);

function summariseProfiles(): Record<string, { self: string[] }> {
  return Object.fromEntries(
    Object.entries(ctx.profiles).map(([name, p]) => [
      name,
      { self: p.self.slice(0, 8).map((f) => `${f.selfMs.toFixed(0)} ms ${f.name}`) },
    ]),
  );
}

console.log(
  `\n3cx2mqtt benchmark (${settings.mode}), ${Math.round(durationS)} s, ${line.machine.cores} cores, Node ${line.machine.node}, broker ${line.broker}`,
);
console.log(
  `load average at start ${loadAtStart.join(' ')}, at end ${loadAtEnd.join(' ')} (a shared machine: figures move with it)\n`,
);
console.log(table(ctx));
for (const note of ctx.notes) console.log(`note: ${note}`);
for (const [name, profile] of Object.entries(ctx.profiles)) {
  console.log(
    `\nCPU profile ${name} (${(profile.ms / 1000).toFixed(1)} s sampled, ${profile.file}), top self time:`,
  );
  for (const frame of profile.self.slice(0, 10))
    console.log(
      `  ${frame.selfMs.toFixed(0).padStart(7)} ms self ${frame.totalMs.toFixed(0).padStart(7)} ms total  ${frame.name}`,
    );
  console.log('  top total time:');
  for (const frame of profile.total.slice(0, 10))
    console.log(
      `  ${frame.selfMs.toFixed(0).padStart(7)} ms self ${frame.totalMs.toFixed(0).padStart(7)} ms total  ${frame.name}`,
    );
}
// The children's logs and databases stay for a look when something failed, and with the profiles.
if (failed.length === 0 && !values.profile) rmSync(runDir, { recursive: true, force: true });
else console.log(`children's logs${values.profile ? ' and CPU profiles' : ''}: ${runDir}`);
console.log(`\nresults: ${resultsFile} (raw samples in bench/results/raw/)`);
console.log(JSON.stringify(line));
process.exitCode = failed.length > 0 ? 1 : 0;
