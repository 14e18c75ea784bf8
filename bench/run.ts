/// <reference lib="dom" />
// Benchmarks (figures, not assertions): simulator paging throughput and request latency. Medians over runs.
import { performance } from 'node:perf_hooks';
import { launchChromium } from '../test/helpers/browser.ts';
import { gatewayConfig, startGateway, startWeb } from '../test/helpers/gateway.ts';
import { Mosquitto } from '../test/helpers/mosquitto.ts';
import { MqttWatch } from '../test/helpers/mqtt-watch.ts';
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

/** Start to complete topic tree and discovery, requests per poll, and messages while nothing changes. */
async function gatewayBenchmark(extensions: number): Promise<void> {
  const broker = await Mosquitto.start({ skip: () => undefined } as never);
  if (!broker) return console.log('gateway benchmark skipped: no mosquitto');
  const sim = await SimHarness.start({ extensions });
  try {
    const times: number[] = [];
    let requests: Record<string, number> = {};
    let idleMessages = 0;
    for (let run = 0; run < 3; run++) {
      const watch = await MqttWatch.connect(broker.url);
      for (const topic of watch.latest().keys()) await watch.publish(topic, '', true); // fresh broker state
      watch.messages.length = 0;
      await sim.script('DELETE', 'requests');
      const started = performance.now();
      const gw = startGateway(
        gatewayConfig(sim, broker.url, { polling: { calls: '2s', presence: '30s', trunks: '60s' } }),
        {},
      ); // production timings
      await watch.waitFor(
        'complete discovery',
        () =>
          watch.values('3cx2mqtt/extension/').size === extensions &&
          watch.values('homeassistant/device/').size >= extensions + 5,
        120_000,
      );
      times.push(performance.now() - started);
      if (run === 0) {
        const idleFrom = Date.now();
        await new Promise((r) => setTimeout(r, 10_000));
        idleMessages = watch.since(idleFrom).length;
        const log = (await sim.script<{ requests: { path: string }[] }>('GET', 'requests')).requests;
        requests = {};
        for (const r of log)
          requests[r.path.replace(/\(\d+\)/, '(id)')] =
            (requests[r.path.replace(/\(\d+\)/, '(id)')] ?? 0) + 1;
      }
      await gw.stop();
      await watch.close();
    }
    console.log(
      `gateway, ${extensions} extensions: start to full state + discovery, median ${median(times).toFixed(0)} ms over 3 runs`,
    );
    console.log(
      `  requests in the first ~10 s (1 directory poll, 1 trunk poll, ~5 call polls): ${JSON.stringify(requests)}`,
    );
    console.log(`  messages published over 10 s with no PBX change: ${idleMessages}`);
  } finally {
    await sim.stop();
    await broker.stop();
  }
}

/** Simulator event to dashboard DOM update, 20 samples, in Debian's Chromium. */
async function dashboardLatency(): Promise<void> {
  const broker = await Mosquitto.start({ skip: () => undefined } as never);
  const browser = await launchChromium({ skip: () => undefined } as never);
  if (!broker || !browser) return console.log('dashboard benchmark skipped: no mosquitto or chromium');
  const sim = await SimHarness.start({ extensions: 20 });
  const gw = startGateway(gatewayConfig(sim, broker.url, { web: { listen: '127.0.0.1:0' } }));
  try {
    const base = await startWeb(gw);
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#extensions li');
    const samples: number[] = [];
    const ext = (await sim.script<{ extensions: string[] }>('GET', 'state')).extensions[0]!;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const call = await sim.script<{ id: number }>('POST', 'calls', {
        from: `+4930999${String(i).padStart(3, '0')}`,
        to: ext,
        trunk: '10001',
      });
      await page.waitForFunction(
        () => document.querySelectorAll('#active-calls li').length === 1,
        undefined,
        { timeout: 10_000 },
      );
      samples.push(performance.now() - started);
      await sim.script('POST', `calls/${call.id}/hangup`);
      await page.waitForFunction(
        () => document.querySelectorAll('#active-calls li').length === 0,
        undefined,
        { timeout: 10_000 },
      );
    }
    console.log(
      `dashboard: simulator event to DOM update (polling.calls 2s), median ${median(samples).toFixed(0)} ms of 20 (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)})`,
    );
  } finally {
    await browser.close();
    await gw.stop();
    await sim.stop();
    await broker.stop();
  }
}

await dashboardLatency();
await gatewayBenchmark(1000);
await pagingBenchmark(1000);
await pagingBenchmark(10_000);
await activeCallsBenchmark();
