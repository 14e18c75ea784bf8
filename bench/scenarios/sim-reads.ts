// The PBX side of a poll, for context: how long the simulator takes to answer the gateway's reads at scale,
// measured from the bench as a second client (a user login, so no gateway's client token is replaced).
import type { BenchContext } from '../context.ts';
import { now } from '../lib/clock.ts';
import { call } from '../../test/helpers/pbx-http.ts';
import type { SimulatorProcess } from '../lib/simulator.ts';
import { median } from '../lib/stats.ts';

async function userToken(sim: SimulatorProcess): Promise<string> {
  const answer = await call(`${sim.url}/webclient/api/Login/GetAccessToken`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Username: '100', Password: 'simulator', SecurityCode: '' }),
  });
  const token = (JSON.parse(answer.text) as { Token?: { access_token: string } }).Token?.access_token;
  if (!token) throw new Error(`simulator login: ${answer.text}`);
  return token;
}

/** Milliseconds to read every page ($top=100) of a collection, as the gateway pages. */
async function readAllPages(
  sim: SimulatorProcess,
  token: string,
  set: string,
  query: string,
): Promise<number> {
  const started = now();
  for (let skip = 0; skip < 100_000; skip += 100) {
    const answer = await call(`${sim.url}/xapi/v1/${set}?$top=100&$skip=${skip}&${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (answer.status !== 200) throw new Error(`${set}: ${answer.status} ${answer.text.slice(0, 200)}`);
    if ((JSON.parse(answer.text) as { value: unknown[] }).value.length < 100) break;
  }
  return now() - started;
}

export async function simReadsScenario(
  ctx: BenchContext,
  sim: SimulatorProcess,
  label: string,
): Promise<void> {
  const token = await userToken(sim);
  const users: number[] = [];
  const calls: number[] = [];
  for (let run = 0; run < 3; run++) {
    users.push(
      await readAllPages(
        sim,
        token,
        'Users',
        "$filter=not startsWith(Number,'HD')&$select=Id,Number,CurrentProfileName,IsRegistered",
      ),
    );
    calls.push(await readAllPages(sim, token, 'ActiveCalls', '$select=Id,Caller,Callee,Status'));
  }
  ctx.figures[`sim_read_users_ms_${label}`] = median(users);
  ctx.figures[`sim_read_active_calls_ms_${label}`] = median(calls);
  ctx.raw[`sim_reads_${label}`] = { users, calls };
}
