// `npm run soak [-- --minutes N] [--seed S] [--no-build]`: issue 15's soak. The simulator with busy traffic, a real
// mosquitto and the shipped gateway, each its own process, under a seeded chaos plan; then a quiet settle, the end
// checks (each printed as a figure) and, as the last line, one JSON object. Exit 1 when an acceptance figure is off.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { diffRetained } from '../../src/domain/retained-diff.ts';
import { startBroker } from '../lib/broker.ts';
import { killChildrenOnExit } from '../lib/children.ts';
import { now, sleep, waitUntil } from '../lib/clock.ts';
import { GatewayProcess, type GatewaySetup } from '../lib/gateway.ts';
import { machine, memory } from '../lib/proc.ts';
import { SimulatorProcess } from '../lib/simulator.ts';
import { median, round } from '../lib/stats.ts';
import { RestartableBroker } from './broker.ts';
import { runChaos } from './chaos.ts';
import { compareCalls, rssGrowthPerHour, tallyDay, type SimCallEntry, type StoredCallRow } from './checks.ts';
import { openFds, SoakGateway } from './gateway.ts';
import { chaosPlan } from './schedule.ts';
import { retainedTree, TreeWatcher } from './watcher.ts';
import { readCallLog, writeCallLog } from './call-log-dump.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const BASE = '3cx2mqtt';
const DISCOVERY = 'homeassistant';
const TOKEN_TTL_S = 120;
/** Poll faster than the defaults (within the schema's minimums) so the settle period can be short. */
const POLLING = { calls: '1s', presence: '5s', trunks: '10s' };

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string' },
    extensions: { type: 'string', default: '60' },
    'no-build': { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error('--minutes: a number of minutes above 0');
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed: a whole number ≥ 0');
const extensions = Number(values.extensions);

killChildrenOnExit();
const started = Date.now();
const runDir = mkdtempSync(join(tmpdir(), '3cx2mqtt-soak-'));
const progress = (message: string) => {
  const s = Math.floor((Date.now() - started) / 1000);
  console.error(
    `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${message}`,
  );
};
const figure = (name: string, value: unknown, note = '') =>
  console.log(`${name.padEnd(30)} ${String(value).padStart(10)}  ${note}`);

progress(`soak: ${minutes} min, seed ${seed} (again: npm run soak -- --minutes ${minutes} --seed ${seed})`);
progress(`logs and databases in ${runDir}`);
if (!values['no-build']) {
  progress('npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 300_000 });
}

const sim = await SimulatorProcess.start(CLI, { extensions, seed }, runDir, 'simulator');
await sim.script('POST', 'auth', { token_ttl: TOKEN_TTL_S });
const broker = await RestartableBroker.start(runDir);
const watcher = await TreeWatcher.connect(broker.url, BASE, DISCOVERY);
const setup: GatewaySetup = {
  name: 'gateway',
  simUrl: sim.url,
  brokerUrl: broker.url,
  polling: POLLING,
  logLevel: 'info',
};
const gateway = SoakGateway.configure(CLI, runDir, setup);
await gateway.start();
await waitUntil(
  'pbx/availability online',
  () => watcher.latest.get(`${BASE}/pbx/availability`) === 'online',
  60_000,
);
await waitUntil('the first calls and pbx state', () => watcher.latest.has(`${BASE}/pbx`), 60_000);
progress(
  `stack up: simulator ${sim.url}, mosquitto ${broker.url}; busy traffic and chaos for ${minutes} min`,
);

await sim.script('POST', 'traffic', { level: 'busy' });
const chaosMs = minutes * 60_000;
const plan = chaosPlan(seed, chaosMs);
const chaosStart = now();
const chaos = await runChaos(
  plan,
  { sim, broker, gateway, watcher, tokenTtlSeconds: TOKEN_TTL_S, progress },
  chaosStart,
);
await sleep(chaosStart + chaosMs - now());
progress(`chaos done (${JSON.stringify(chaos.done)}); settling: traffic none, faults off`);

// The quiet end: no new calls, no faults; the calls under way run to their end and the call log fills in.
await sim.script('POST', 'traffic', { level: 'none' });
await sim.script('DELETE', 'fault');
if (!gateway.alive) await gateway.start();
const settleStart = now();
const dbFile = join(runDir, 'gateway', 'calls.db');
const readRows = (file: string): StoredCallRow[] => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT * FROM calls').all() as (Omit<StoredCallRow, 'pbx_call_ids'> & {
      pbx_call_ids: string;
    })[];
    return rows.map((row) => ({ ...row, pbx_call_ids: JSON.parse(row.pbx_call_ids) as number[] }));
  } finally {
    db.close();
  }
};
const history = async () => (await sim.script<{ calls: SimCallEntry[] }>('GET', 'calls/history')).calls;
/**
 * The calls to find in the database: those the PBX recorded in its call log. A call that ended before its first
 * segment (hung up while routing, within a second) leaves no row in the simulator's log; the gateway can know it only
 * if a poll saw it, so those are counted apart.
 */
const expectedCalls = async () => {
  const [all, log] = await Promise.all([history(), readCallLog(sim.url, started)]);
  return {
    expected: all.filter((c) => log.logged.has(c.main_call_history_id)),
    unlogged: all.filter((c) => !log.logged.has(c.main_call_history_id)),
    log,
  };
};
await waitUntil(
  'the simulator to have no call left',
  async () => (await sim.state()).active_calls.length === 0,
  300_000,
  1000,
);
progress(
  `no call active after ${Math.round((now() - settleStart) / 1000)} s; waiting for the database to agree`,
);
let settled = false;
try {
  await waitUntil(
    'the database to hold every call',
    async () => {
      const c = compareCalls((await expectedCalls()).expected, readRows(dbFile));
      return (
        c.calls_stored === c.calls_expected &&
        c.calls_open === 0 &&
        c.calls_duplicated === 0 &&
        c.calls_merged === 0
      );
    },
    120_000,
    3000,
  );
  settled = true;
} catch {
  progress('the database did not agree within 120 s; checking it as it is');
}
// The tree settles too: presence and trunk polls (≤ 10 s) and the call log's end events.
await sleep(12_000);
const settleS = (now() - settleStart) / 1000;

const last = gateway.current!;
const rssSamples = last.rss;
const endRss = memory(last.child.pid).rssMb;
const endFds = openFds(last.child.pid);
const tree = await retainedTree(broker.url, BASE, DISCOVERY);
const { expected, unlogged, log: simCallLog } = await expectedCalls();
writeFileSync(join(runDir, 'sim-history.json'), JSON.stringify([...expected, ...unlogged], null, 1));
writeCallLog(simCallLog, join(runDir, 'sim-call-log.json'));
const cleanStop = await gateway.stop();
const rows = readRows(dbFile);
// A call the PBX did not log but a poll saw is a call all the same: checked like the others.
const unloggedSeen = unlogged.filter((c) => compareCalls([c], rows).calls_stored === 1);
const checked = [...expected, ...unloggedSeen];
const calls = compareCalls(checked, rows);
const unloggedStored = unloggedSeen.length;

// A fresh gateway on a fresh broker, with the same database and the same PBX: the tree it publishes is the truth.
progress('fresh gateway on a second broker, for the retained tree');
const freshDir = join(runDir, 'fresh');
mkdirSync(freshDir, { recursive: true });
for (const suffix of ['', '-wal', '-shm'])
  if (existsSync(dbFile + suffix)) copyFileSync(dbFile + suffix, join(freshDir, `calls.db${suffix}`));
/** The tree a fresh gateway publishes; undefined (and said) when it could not be read. */
async function freshTreeOf(): Promise<Map<string, string> | undefined> {
  const broker2 = await startBroker(runDir, 'broker-fresh');
  const watcher2 = await TreeWatcher.connect(broker2.url, BASE, DISCOVERY);
  const fresh = GatewayProcess.start(CLI, { ...setup, name: 'fresh', brokerUrl: broker2.url }, runDir);
  try {
    await waitUntil(
      'the fresh gateway: pbx/availability online',
      () => watcher2.latest.get(`${BASE}/pbx/availability`) === 'online',
      60_000,
    );
    await waitUntil('the fresh tree to have as many topics', () => watcher2.latest.size >= tree.size, 60_000);
    await sleep(12_000); // a presence and a trunks poll
    return await retainedTree(broker2.url, BASE, DISCOVERY);
  } catch (error) {
    progress(`the fresh gateway's tree could not be read: ${String(error)}; log ${fresh.child.logFile}`);
    return undefined;
  } finally {
    await fresh.stop();
    await watcher2.close();
    await broker2.stop();
  }
}
const freshTree = await freshTreeOf();
const diff = freshTree ? diffRetained(tree, freshTree) : { publish: [], clear: [] };

const gatewayPbx = JSON.parse(tree.get(`${BASE}/pbx`) ?? '{}') as Partial<
  Record<'calls_lifetime' | 'total_calls' | 'missed_count', number>
>;
const today = new Date().toISOString().slice(0, 10);
const tally = tallyDay(checked, today);
const problems = await gateway.problems();
const first = rssSamples.find(([t]) => t - last.child.spawnedAt >= 15_000) ?? rssSamples[0];
const growth = rssGrowthPerHour(rssSamples.filter(([t]) => t - last.child.spawnedAt >= 15_000));
const allRss = gateway.incarnations.flatMap((i) => i.rss.map(([, mb]) => mb));

await watcher.close();
await broker.stop();
await sim.stop();

const line = {
  seed,
  minutes,
  calls_expected: calls.calls_expected,
  calls_stored: calls.calls_stored,
  calls_duplicated: calls.calls_duplicated,
  calls_merged: calls.calls_merged,
  calls_wrong_outcome: calls.calls_wrong_outcome,
  calls_wrong_direction: calls.calls_wrong_direction,
  calls_wrong_caller: calls.calls_wrong_caller,
  calls_unknown: calls.calls_unknown,
  calls_open: calls.calls_open,
  calls_unlogged: unlogged.length,
  calls_unlogged_stored: unloggedStored,
  calls_lifetime: gatewayPbx.calls_lifetime ?? null,
  total_calls: gatewayPbx.total_calls ?? null,
  total_calls_sim: tally.total,
  missed_count: gatewayPbx.missed_count ?? null,
  missed_count_sim: tally.missed,
  retained_diff: freshTree ? diff.publish.length + diff.clear.length : null,
  retained_topics: tree.size,
  crashes: problems.crashes,
  unhandled_rejections: problems.unhandled_rejections,
  error_lines: problems.errors,
  gateway_processes: gateway.incarnations.length,
  clean_stop: cleanStop,
  rss_start_mb: round(first?.[1]),
  rss_end_mb: round(endRss),
  rss_growth_mb_per_hour: round(growth),
  rss_max_mb: round(Math.max(...allRss, endRss)),
  last_process_minutes: round((now() - last.child.spawnedAt) / 60_000),
  fds_start: last.fds.find(([t]) => t - last.child.spawnedAt >= 15_000)?.[1] ?? last.fds[0]?.[1] ?? null,
  fds_end: endFds,
  broker_restarts: chaos.done['broker-restart'],
  tree_complete_median_s: round(median(chaos.treeSeconds), 2),
  tree_complete_max_s: round(Math.max(...chaos.treeSeconds), 2),
  tree_timeouts: chaos.treeTimeouts,
  pbx_faults: chaos.done['pbx-fault'],
  gateway_kills: chaos.done['gateway-kill'],
  token_expiries: chaos.done['token-expiry'],
  callcontrol_drops: chaos.done['callcontrol-drop'],
  ha_restarts: chaos.done['ha-restart'],
  chaos_failures: chaos.failures.length,
  settled,
  settle_s: round(settleS),
  duration_s: round((Date.now() - started) / 1000),
  cores: machine().cores,
  node: machine().node,
};

console.log('');
figure('calls expected (simulator)', line.calls_expected);
figure('calls stored', line.calls_stored, 'simulator calls found in the database');
figure('calls duplicated', line.calls_duplicated, 'extra rows for a call stored once');
figure('calls merged', line.calls_merged, 'calls sharing a row with another');
figure('calls wrong outcome', line.calls_wrong_outcome);
figure('calls wrong direction / caller', `${line.calls_wrong_direction} / ${line.calls_wrong_caller}`);
figure('rows unknown / still open', `${line.calls_unknown} / ${line.calls_open}`);
figure(
  'calls not in the PBX log',
  `${line.calls_unlogged_stored} / ${line.calls_unlogged}`,
  'ended while routing; stored / made (only a poll can see them)',
);
figure('total_calls gateway / sim', `${line.total_calls} / ${line.total_calls_sim}`, `day ${today} (UTC)`);
figure('missed_count gateway / sim', `${line.missed_count} / ${line.missed_count_sim}`);
figure('retained_diff', line.retained_diff, `of ${line.retained_topics} topics, against a fresh gateway`);
figure('crashes', line.crashes, `in ${line.gateway_processes} gateway processes`);
figure('unhandled_rejections', line.unhandled_rejections);
figure('error log lines', line.error_lines, 'not a failure by itself');
figure('clean stop (SIGINT, exit 0)', line.clean_stop);
figure(
  'RSS start / end MB',
  `${line.rss_start_mb} / ${line.rss_end_mb}`,
  `last process, ${line.last_process_minutes} min`,
);
figure('RSS growth MB/h', line.rss_growth_mb_per_hour, 'least squares over the last process');
figure('fds start / end', `${line.fds_start} / ${line.fds_end}`);
figure(
  'tree after broker restart',
  `${line.tree_complete_median_s} / ${line.tree_complete_max_s}`,
  `median / max s, ${line.broker_restarts} restarts, ${line.tree_timeouts} timeouts`,
);
for (const example of calls.examples.slice(0, 20)) console.log(`  call: ${example}`);
for (const [topic, payload] of diff.publish.slice(0, 10))
  console.log(
    `  diff: ${topic}\n    soak:  ${(tree.get(topic) ?? '(none)').slice(0, 400)}\n    fresh: ${payload.slice(0, 400)}`,
  );
for (const topic of diff.clear.slice(0, 10)) console.log(`  diff: ${topic} only in the soak's tree`);
for (const example of problems.examples) console.log(`  log: ${example}`);
for (const failure of chaos.failures) console.log(`  chaos: ${failure}`);
console.log(JSON.stringify(line));

const passed =
  line.calls_duplicated === 0 &&
  line.calls_merged === 0 &&
  line.calls_wrong_outcome === 0 &&
  line.calls_wrong_caller === 0 &&
  line.calls_stored === line.calls_expected &&
  line.retained_diff === 0 &&
  line.crashes === 0 &&
  line.unhandled_rejections === 0 &&
  line.total_calls === line.total_calls_sim &&
  line.missed_count === line.missed_count_sim;
process.exit(passed ? 0 : 1);
