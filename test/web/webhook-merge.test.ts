// The CRM webhook never cross-assigns a caller (issue 16 #2): it fills in a caller only where exactly one ended call
// fits, never for a call still ringing, and the PBX's own call log wins over it.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { request } from 'undici';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

const HOOK = 'hook-token-789';
const utc = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('webhook journaling against calls whose caller is unknown', () => {
  let broker: Mosquitto | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let base = '';
  let ext = '';

  const journal = async (body: Record<string, string>) => {
    const response = await request(`${base}/webhook/3cx?token=${HOOK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.statusCode, text: await response.body.text() };
  };
  const stored = (pbxId: number) =>
    gw.gateway.store.history({ limit: 100 }).find((c) => c.pbx_call_ids.includes(pbxId)) ??
    gw.app.store.openCalls().find((c) => c.pbx_call_ids.includes(pbxId));

  before(async (t) => {
    broker = await Mosquitto.start(t as never);
    sim = await SimHarness.start({ extensions: 6, queues: 1, trunks: 2 });
    ext = (await sim.registeredExtensions())[0]!;
    if (!broker) return;
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '200ms', presence: '500ms', trunks: '500ms' },
        // Polled: only ActiveCalls hides the caller behind the DID (Call Control names it at once).
        pbx: { realtime: 'poll' },
        web: { listen: '127.0.0.1:0', webhook_token: HOOK },
      }),
    );
    base = await startWeb(gw);
    await until('the gateway tracking calls', () => gw.gateway.health.pbx && gw.gateway.state().extensions);
  });
  after(async () => {
    await gw?.stop();
    await sim?.stop();
    await broker?.stop();
  });

  it("a journal for another call never takes over a ringing call's unknown caller", async (t: TestContext) => {
    if (!broker) return t.skip();
    // Trunk 10000 shows its DID, so the gateway does not know this caller while it rings.
    const ringing = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4930222333',
      to: ext,
      trunk: '10000',
      show_did: true,
    });
    await sim.script('POST', `calls/${ringing.id}/ring`);
    const tracked = await until('the ringing call', () => stored(ringing.id));
    assert.equal(tracked.caller_number, null, 'the DID hides the caller');
    const answer = await journal({
      CallType: 'Missed',
      Number: '+4930444555',
      Name: 'Other Caller',
      Duration: '00:00:00',
      CallStartTimeUTC: utc(tracked.started_at),
    });
    assert.ok(answer.status < 300, answer.text);
    assert.notEqual(stored(ringing.id)?.caller_number, '+4930444555', 'cross-assigned while ringing');
    await sim.script('POST', `calls/${ringing.id}/hangup`);
    const ended = await until('the call ended with its real caller', () => {
      const call = stored(ringing.id);
      return call?.ended_at && call.caller_number !== null ? call : undefined;
    });
    assert.equal(ended.caller_number, '+4930222333');
    assert.notEqual(ended.caller_name, 'Other Caller');
  });

  it('fills in the caller of the one ended call that fits, and the call log corrects it', async (t: TestContext) => {
    if (!broker) return t.skip();
    // Keep the call log unreadable so the caller stays unknown after the end.
    await sim.script('POST', 'fault', { mode: '500', path: 'GetCallLogData' });
    try {
      const call = await sim.script<{ id: number }>('POST', 'calls', {
        from: '+4930777888',
        to: ext,
        trunk: '10000',
        show_did: true,
      });
      await sim.script('POST', `calls/${call.id}/ring`);
      await until('the call tracked', () => stored(call.id));
      await sim.script('POST', `calls/${call.id}/hangup`);
      const ended = await until('the call ended', () => {
        const found = stored(call.id);
        return found?.ended_at ? found : undefined;
      });
      assert.equal(ended.caller_number, null);
      const answer = await journal({
        CallType: 'Missed',
        Number: '+4930111000',
        Name: 'Wrong Guess',
        Agent: ext,
        Duration: '00:00:00',
        CallStartTimeUTC: utc(ended.started_at),
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(stored(call.id)?.caller_number, '+4930111000', 'the only call that fits takes the caller');
    } finally {
      await sim.script('DELETE', 'fault');
    }
    const corrected = await until('the call log correcting the caller', () =>
      gw.gateway.store.history({ limit: 100 }).find((c) => c.caller_number === '+4930777888' && c.ended_at),
    );
    assert.notEqual(corrected.caller_name, 'Wrong Guess');
    assert.equal(
      gw.gateway.store.history({ limit: 100 }).filter((c) => c.caller_number === '+4930111000').length,
      0,
      'no call keeps the webhook caller',
    );
  });
});
