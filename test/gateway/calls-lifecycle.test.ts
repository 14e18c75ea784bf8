// Calls across the gateway's own lifecycle: local midnight while the PBX is down, and kill -9 in the middle of a call.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { CallRecord } from '../../src/domain/call.ts';
import { nextLocalMidnight } from '../../src/domain/local-day.ts';
import { CallStore } from '../../src/store/database.ts';
import { CliProcess, writeConfig } from '../helpers/cli.ts';
import { gatewayConfig, startGateway, TEST_DISCOVERY_TIMING } from '../helpers/gateway.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('calls across restarts and midnight', () => {
  let broker: TestBroker | undefined;
  let sim: SimHarness;
  let extension = '';

  before(async () => {
    broker = await startBroker();
    sim = await SimHarness.start({ extensions: 5, trunks: 2 });
    extension = (await sim.registeredExtensions())[0]!;
  });
  after(async () => {
    await sim?.stop();
    await broker?.stop();
  });

  it('resets the daily counters at local midnight even while the PBX is unreachable', async (t: TestContext) => {
    if (!broker) return t.skip();
    const zone = 'Europe/Berlin';
    const offset = nextLocalMidnight(Date.now(), zone) - 6000 - Date.now(); // six seconds before midnight
    const watch = await MqttWatch.connect(broker.url);
    const gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '200ms', presence: '500ms', trunks: '500ms' },
        pbx: { timezone: zone, id: 'midnight' },
      }),
      TEST_DISCOVERY_TIMING,
      { now: () => Date.now() + offset },
    );
    const pbx = () =>
      JSON.parse(watch.latest().get('3cx2mqtt/pbx') ?? '{}') as {
        total_calls?: number;
        missed_count?: number;
      };
    try {
      await watch.waitFor('call fields', () => pbx().total_calls === 0);
      const c = await sim.script<{ id: number }>('POST', 'calls', {
        from: '+4930777123',
        to: extension,
        trunk: '10001',
      });
      await sim.script('POST', `calls/${c.id}/ring`);
      await watch.waitFor('ringing', () =>
        watch.latest().get('3cx2mqtt/pbx')?.includes('"call_state":"ringing"'),
      );
      await sim.script('POST', `calls/${c.id}/hangup`);
      await watch.waitFor('counted', () => pbx().total_calls === 1 && pbx().missed_count === 1);
      await sim.script('POST', 'fault', { mode: '503' });
      await watch.waitFor('PBX offline', () => watch.latest().get('3cx2mqtt/pbx/availability') === 'offline');
      await watch.waitFor(
        'counters back to 0 after midnight',
        () => pbx().total_calls === 0 && pbx().missed_count === 0,
        10_000,
      );
      assert.equal(
        watch.latest().get('3cx2mqtt/pbx/availability'),
        'offline',
        'the reset did not need the PBX',
      );
    } finally {
      await sim.script('DELETE', 'fault');
      await gw.stop();
      await watch.close();
    }
  });

  it('kill -9 mid-call, then restart: the call is neither lost nor counted twice', async (t: TestContext) => {
    if (!broker) return t.skip();
    // Its own PBX: a gateway starting with an empty database reconciles the last minutes of the call log, which
    // would hold the call of the test above once it is older than the 15 s settle time (a busy machine gets there).
    const sim = await SimHarness.start({ extensions: 5, trunks: 2 });
    const extension = (await sim.registeredExtensions())[0]!;
    const dir = mkdtempSync(join(tmpdir(), '3cx2mqtt-kill-'));
    const database = join(dir, 'calls.db');
    const config = writeConfig({
      pbx: {
        url: sim.url,
        id: 'killed',
        client_id: 'simulator',
        client_secret: 'simulator-secret',
        verify_tls: false,
      },
      polling: { calls: '500ms', presence: '5s', trunks: '5s' },
      mqtt: { url: broker.url, base_topic: 'killed' },
      history: { database },
    });
    const watch = await MqttWatch.connect(broker.url, ['killed/#']);
    const first = CliProcess.start(['run', '--config', config]);
    const c = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4930555321',
      to: extension,
      trunk: '10001',
    });
    try {
      await sim.script('POST', `calls/${c.id}/answer`);
      await watch.waitFor(
        'the call in calls/active',
        () => watch.latest().get('killed/calls/active')?.includes(`[${c.id}]`),
        15_000,
      );
      first.kill('SIGKILL');
      await first.exited;
      await sim.script('POST', 'clock', { advance_seconds: 20 });
      await sim.script('POST', `calls/${c.id}/hangup`); // ends while the gateway is down
      const second = CliProcess.start(['run', '--config', config]);
      try {
        await watch.waitFor(
          'the call in calls/recent',
          () => {
            const recent = JSON.parse(watch.latest().get('killed/calls/recent') ?? '[]') as CallRecord[];
            return recent.find(
              (r) =>
                r.pbx_call_ids.includes(c.id) &&
                r.outcome === 'answered' &&
                r.duration !== null &&
                r.duration >= 20,
            );
          },
          20_000,
        );
        const pbx = JSON.parse(watch.latest().get('killed/pbx')!) as {
          total_calls: number;
          calls_lifetime: number;
        };
        assert.equal(pbx.total_calls, 1);
        assert.equal(pbx.calls_lifetime, 1);
      } finally {
        second.kill('SIGTERM');
        await second.exited;
      }
      const store = new CallStore(database);
      try {
        const rows = store.history({ limit: 10 });
        assert.equal(rows.length, 1, 'one row for the call');
        assert.equal(rows[0]!.outcome, 'answered');
        assert.ok(rows[0]!.main_call_history_id, 'matched with the call log');
      } finally {
        store.close();
      }
    } finally {
      first.kill();
      await watch.close();
      await sim.stop();
    }
  });
});
