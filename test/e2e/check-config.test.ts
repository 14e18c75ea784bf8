// `3cx2mqtt check-config` against the simulator and a broker, each its own process: besides the login and the broker
// it says whether Call Control answers, and fails only when pbx.realtime requires it. Needs `npm run build`.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CliProcess, SimulatorProcess, writeConfig } from '../helpers/cli.ts';
import { startBroker, type TestBroker } from '../helpers/mosquitto.ts';

describe('3cx2mqtt check-config and Call Control', () => {
  let broker: TestBroker | undefined;
  let sim: SimulatorProcess;

  before(async () => {
    broker = await startBroker();
    sim = await SimulatorProcess.start(['--traffic', 'none', '--extensions', '3', '--queues', '1']);
  });
  after(async () => {
    await sim?.stop();
    await broker?.stop();
  });

  const check = async (realtime: string) => {
    const config = writeConfig({
      pbx: {
        url: sim.url,
        client_id: 'simulator',
        client_secret: 'simulator-secret',
        verify_tls: false,
        realtime,
      },
      mqtt: { url: broker!.url },
    });
    const child = CliProcess.start(['check-config', '--config', config]);
    const { code } = await child.exited;
    return { code, stderr: child.stderr };
  };

  it('reports Call Control as ok when the PBX grants it (3 extensions and 1 queue monitored)', async (t: TestContext) => {
    if (!broker) return t.skip();
    const { code, stderr } = await check('auto');
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^Call Control: ok \(4 DNs monitored\)$/m);
  });

  it('says why Call Control is refused: exit 0 with realtime auto (calls polled), 1 with realtime callcontrol', async (t: TestContext) => {
    if (!broker) return t.skip();
    await sim.script('PATCH', 'callcontrol', { enabled: false });
    try {
      const auto = await check('auto');
      assert.equal(auto.code, 0, auto.stderr);
      assert.match(auto.stderr, /^Call Control: not available — .*HTTP 403.*; calls will be polled/m);
      const required = await check('callcontrol');
      assert.equal(required.code, 1, required.stderr);
      assert.match(required.stderr, /^Call Control: FAILED — .*HTTP 403/m);
      const off = await check('poll');
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stderr, /^Call Control: not tried \(pbx\.realtime: poll\)$/m);
    } finally {
      await sim.script('PATCH', 'callcontrol', { enabled: true });
    }
  });
});
