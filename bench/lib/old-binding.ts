// The old openHAB binding's request pattern (/work/shared/prior-art.md §1.2) driven against a simulator, at its
// default intervals: a web-client login every 45 s, ActiveCalls every 2 s, Users every 30 s, Trunks every 60 s,
// and every 60 s RingGroups and Queues each followed by one request per group and per queue (N+1).
import { sleep } from './clock.ts';
import { call } from '../../test/helpers/pbx-http.ts';
import type { SimulatorProcess } from './simulator.ts';

interface Job {
  firstMs: number;
  everyMs: number;
  run: () => Promise<void>;
}

/** Runs the pattern for durationMs (every request bounded by its own timeout); resolves when it stops. */
export async function driveOldBinding(sim: SimulatorProcess, durationMs: number): Promise<void> {
  let token = '';
  const login = async () => {
    const answer = await call(`${sim.url}/webclient/api/Login/GetAccessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Username: '100', Password: 'simulator', SecurityCode: '' }),
    });
    token = (JSON.parse(answer.text) as { Token?: { access_token: string } }).Token?.access_token ?? '';
  };
  const xapi = async (path: string) => {
    const answer = await call(`${sim.url}/xapi/v1/${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return answer.status === 200 ? (JSON.parse(answer.text) as { value: { Id: number }[] }).value : [];
  };
  const withMembers = async (set: string, navigation: string) => {
    for (const row of await xapi(set)) await xapi(`${set}(${row.Id})/${navigation}`);
  };
  const jobs: Job[] = [
    { firstMs: 45_000, everyMs: 45_000, run: login },
    { firstMs: 1000, everyMs: 2000, run: () => xapi('ActiveCalls').then(() => undefined) },
    {
      firstMs: 5000,
      everyMs: 30_000,
      run: () =>
        xapi('Users?$select=Number,FirstName,LastName,CurrentProfileName,QueueStatus,IsRegistered').then(
          () => undefined,
        ),
    },
    { firstMs: 10_000, everyMs: 60_000, run: () => xapi('Trunks').then(() => undefined) },
    {
      firstMs: 15_000,
      everyMs: 60_000,
      run: async () => {
        await withMembers('RingGroups', 'Members');
        await withMembers('Queues', 'Agents');
      },
    },
  ];
  const started = Date.now();
  await login();
  await Promise.all(
    jobs.map(async (job) => {
      // Fixed-rate schedule, as the binding's ScheduledExecutorService.scheduleWithFixedDelay roughly does.
      for (let next = job.firstMs; next < durationMs; next += job.everyMs) {
        await sleep(started + next - Date.now());
        if (Date.now() - started >= durationMs) break;
        await job.run().catch(() => undefined);
      }
    }),
  );
  await sleep(started + durationMs - Date.now());
}
