// Benchmarks (figures, not assertions): simulator paging throughput and request latency. Medians over runs.
import { performance } from 'node:perf_hooks';
import { allPages, SimHarness } from '../test/helpers/pbx-http.ts';

const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function pagingBenchmark(extensions: number): Promise<void> {
  const sim = await SimHarness.start({ extensions });
  try {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const rows = await allPages(
        sim,
        'Users',
        "$filter=not startsWith(Number,'HD')&$select=Id,Number,CurrentProfileName,IsRegistered",
      );
      times.push(performance.now() - started);
      if (rows.length !== extensions) throw new Error(`got ${rows.length} users`);
    }
    console.log(
      `page ${extensions} users ($top=100): median ${median(times).toFixed(0)} ms over ${RUNS} runs`,
    );
  } finally {
    await sim.stop();
  }
}

async function activeCallsBenchmark(): Promise<void> {
  const sim = await SimHarness.start({ extensions: 200, traffic: 'busy' });
  try {
    await sim.script('POST', 'traffic', { steps: 600 });
    const medians: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const latencies: number[] = [];
      for (let i = 0; i < 200; i++) {
        const started = performance.now();
        await sim.xapiJson('ActiveCalls');
        latencies.push(performance.now() - started);
      }
      medians.push(median(latencies));
    }
    console.log(
      `GET ActiveCalls (busy traffic, keep-alive): median latency ${median(medians).toFixed(2)} ms`,
    );
  } finally {
    await sim.stop();
  }
}

await pagingBenchmark(1000);
await pagingBenchmark(10_000);
await activeCallsBenchmark();
