// The dashboard's event stream sends a full state once, then only what changed, keyed by entity (issue 17): an
// idle PBX sends no state at all, one changed extension sends that extension.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { request } from 'undici';
import { gatewayConfig, startGateway, startWeb, type GatewayHarness } from '../helpers/gateway.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { SimHarness } from '../helpers/pbx-http.ts';

interface SseEvent {
  event: string;
  data: unknown;
  at: number;
}

/** Reads an SSE stream into events until closed. */
async function follow(url: string, events: SseEvent[], signal: AbortSignal): Promise<void> {
  const response = await request(url, { signal });
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += (chunk as Buffer).toString();
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    }
  } catch {
    // aborted
  }
}

describe('dashboard event stream', () => {
  let broker: Mosquitto | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness;
  let base = '';

  before(async (t) => {
    broker = await Mosquitto.start(t as never);
    sim = await SimHarness.start({ extensions: 300, traffic: 'none' });
    if (!broker) return;
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        polling: { calls: '500ms', presence: '5s', trunks: '5s' },
        web: { listen: '127.0.0.1:0' },
      }),
    );
    base = await startWeb(gw);
  });
  after(async () => {
    await gw?.stop();
    await sim?.stop();
    await broker?.stop();
  });

  it('sends nothing while nothing changes, then the one extension that changed', async (t: TestContext) => {
    if (!broker) return t.skip();
    for (let i = 0; i < 100 && (gw.gateway.state().extensions as unknown[] | undefined)?.length !== 300; i++)
      await new Promise((r) => setTimeout(r, 100));
    const events: SseEvent[] = [];
    const abort = new AbortController();
    const reading = follow(`${base}/api/events`, events, abort.signal);
    try {
      for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(events[0]?.event, 'state', 'a full state first');
      // 10 s of polls (20 calls polls, 2 directory polls) with no PBX change: no state goes out.
      await new Promise((r) => setTimeout(r, 10_000));
      assert.deepEqual(
        events.slice(1).map((e) => e.event),
        [],
        'an idle gateway sent state',
      );
      const { extensions } = await sim.script<{ extensions: string[] }>('GET', 'state');
      const changed = extensions[7]!;
      await sim.script('PATCH', `extensions/${changed}`, { presence: 'Away' });
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && !events.some((e) => e.event === 'patch'))
        await new Promise((r) => setTimeout(r, 100));
      const patch = events.find((e) => e.event === 'patch')?.data as {
        set?: Record<string, Record<string, { presence: string }>>;
      };
      assert.ok(patch, 'the change was sent');
      assert.deepEqual(Object.keys(patch.set?.extensions ?? {}), [changed], 'only the changed extension');
      assert.equal(patch.set!.extensions![changed]!.presence, 'Away');
    } finally {
      abort.abort();
      await reading;
    }
  });
});
