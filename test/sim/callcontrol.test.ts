// Call Control over HTTPS and the websocket: auth and permission, monitored-only visibility, the documented
// field names (3cx-xapi.md §5), makecall and participant actions, 404 after remove, and the scripting that
// breaks the websocket (drop, silence, token expiry).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { call, SimHarness } from '../helpers/pbx-http.ts';
import { requireShared } from '../helpers/shared.ts';
import {
  assertFields,
  CallControlClient,
  type ControlResult,
  eventually,
  refusedUpgrade,
  shape,
  type DnInfo,
  type Participant,
} from './callcontrol-client.ts';

/** The JSON examples of 3cx-xapi.md §5: the DN object and the event message. */
function documentedShapes(path: string): { dn: object[]; event: object } {
  const text = readFileSync(path, 'utf8');
  const section = text.slice(text.indexOf('## 5. Call Control API'), text.indexOf('## 6.'));
  const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
  return { dn: blocks[0] as object[], event: blocks[1] as object };
}

describe('Call Control API', () => {
  let sim: SimHarness;
  let client: CallControlClient;
  let ext = '';
  let other = '';
  let queue = '';

  before(async () => {
    sim = await SimHarness.start({ extensions: 20, queues: 2 });
    const registered = await sim.registeredExtensions();
    ext = registered[0]!;
    other = registered[1]!;
    queue = (await sim.script<{ queues: string[] }>('GET', 'state')).queues[0]!;
    client = await CallControlClient.connect(sim, await sim.clientToken());
  });
  after(async () => {
    client.close();
    await sim.stop();
  });

  it('answers 401 without or with a bad token, on REST and on the websocket upgrade', async () => {
    assert.equal((await call(`${sim.url}/callcontrol`)).status, 401);
    assert.equal(
      (await call(`${sim.url}/callcontrol`, { headers: { authorization: 'Bearer eyJnope' } })).status,
      401,
    );
    assert.equal(await refusedUpgrade(sim, {}), 401);
    assert.equal(await refusedUpgrade(sim, { authorization: 'Bearer eyJnope' }), 401);
  });

  it('answers 403 to a user login (Call Control is for API clients), on REST and the websocket', async () => {
    const userToken = await sim.userToken();
    const answer = await call(`${sim.url}/callcontrol`, {
      headers: { authorization: `Bearer ${userToken}` },
    });
    assert.equal(answer.status, 403);
    assert.equal(await refusedUpgrade(sim, { authorization: `Bearer ${userToken}` }), 403);
    assert.equal((await sim.xapi('Users?$top=1', { token: userToken })).status, 200, 'the xAPI still works');
    sim.token = userToken; // the new login replaced the harness's
  });

  it('lists every extension and queue as {dn, type, devices, participants}, devices only when registered', async () => {
    const dns = await client.json<DnInfo[]>('');
    const state = await sim.script<{ extensions: string[]; queues: string[] }>('GET', 'state');
    assert.deepEqual(
      dns.map((d) => d.dn),
      [...state.extensions, ...state.queues],
    );
    for (const dn of dns) assert.deepEqual(Object.keys(dn), ['dn', 'type', 'devices', 'participants']);
    assert.equal(dns.find((d) => d.dn === queue)!.type, 'Wqueue');
    const registered = new Set(await sim.registeredExtensions());
    for (const dn of dns.filter((d) => d.type === 'Wextension')) {
      assert.equal(dn.devices.length, registered.has(dn.dn) ? 1 : 0, dn.dn);
    }
    const device = dns.find((d) => d.dn === ext)!.devices[0]!;
    assert.deepEqual(Object.keys(device), ['dn', 'device_id', 'user_agent']);
    assert.deepEqual(await client.json(`/${ext}/devices`), [device]);
    assert.deepEqual(await client.json(`/${ext}/devices/${encodeURIComponent(device.device_id)}`), device);
    assert.equal((await client.rest(`/${ext}/devices/sip%3Anobody`)).status, 404);
    assert.equal((await client.rest('/99999')).status, 404);
  });

  it('serves exactly the fields 3cx-xapi.md §5 documents, for DNs, devices, participants and events', async (t) => {
    const doc = requireShared(t, '3cx-xapi.md');
    if (!doc) return;
    const documented = documentedShapes(doc);
    const dnExample = documented.dn[0] as DnInfo;
    const from = client.events.length;
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930123123', to: ext });
    await sim.script('POST', `calls/${started.id}/ring`);
    const [upsert] = await client.next(from, 1);
    const participant = await client.json<Participant>(upsert!.event.entity);
    const dn = await client.json<DnInfo>(`/${ext}`);
    assert.deepEqual(Object.keys(dn), Object.keys(dnExample));
    assert.deepEqual(Object.keys(dn.devices[0]!), Object.keys(dnExample.devices[0]!));
    assert.deepEqual(Object.keys(participant), Object.keys(dnExample.participants[0]!));
    assert.deepEqual(Object.keys(upsert!), Object.keys(documented.event));
    assert.deepEqual(Object.keys(upsert!.event), Object.keys((documented.event as WireLike).event));
    for (const [key, value] of Object.entries(dnExample.participants[0]!)) {
      assert.equal(typeof participant[key as keyof Participant], typeof value, `type of ${key}`);
    }
    assert.match(upsert!.event.entity, /^\/callcontrol\/\d+\/participants\/\d+$/);
    await sim.script('POST', `calls/${started.id}/hangup`);
  });

  it('removes a participant: a remove event, then 404', async () => {
    const from = client.events.length;
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930555111', to: ext });
    await sim.script('POST', `calls/${started.id}/ring`);
    const [upsert] = await client.next(from, 1);
    const entity = upsert!.event.entity;
    assert.equal((await client.rest(entity)).status, 200);
    await sim.script('POST', `calls/${started.id}/hangup`);
    const events = await client.next(from, 2);
    assert.deepEqual(shape(events), [`+${ext}`, `-${ext}`]);
    assert.equal(events[1]!.event.entity, entity);
    assert.equal((await client.rest(entity)).status, 404);
    assert.deepEqual(await client.json(`/${ext}/participants`), []);
  });

  it('numbers events per connection from 1, without gaps', async () => {
    const second = await CallControlClient.connect(sim, client.token);
    try {
      const started = await sim.script<{ id: number }>('POST', 'calls', { from: ext, to: other });
      await sim.script('POST', `calls/${started.id}/answer`);
      await sim.script('POST', `calls/${started.id}/hangup`);
      const events = await second.next(0, 6);
      assert.deepEqual(
        events.map((e) => e.sequence),
        [1, 2, 3, 4, 5, 6],
      );
      const all = client.events.map((e) => e.sequence);
      assert.deepEqual(
        all,
        all.map((_, i) => i + 1),
      );
    } finally {
      second.close();
    }
  });

  it('makecall from a DN or one of its devices answers {finalstatus, reason, reasontext, result}', async () => {
    const from = client.events.length;
    const made = await client.rest(`/${ext}/makecall`, 'POST', { destination: '+4930777888' });
    assert.equal(made.status, 200);
    const body = made.json<ControlResult>();
    assert.deepEqual(Object.keys(body), ['finalstatus', 'reason', 'reasontext', 'result']);
    assert.equal(body.finalstatus, 'Success');
    assertFields(body.result, {
      dn: ext,
      status: 'Dialing',
      party_caller_id: '+4930777888',
      party_dn_type: 'Wexternalline',
    });
    const active = (await sim.xapiJson<{ value: { Id: number; Status: string }[] }>('ActiveCalls')).value;
    assert.equal(active.find((r) => r.Id === body.result.callid)?.Status, 'Initiating');
    const [upsert] = await client.next(from, 1);
    assert.equal(upsert!.event.entity, `/callcontrol/${ext}/participants/${body.result.id}`);
    const dropped = await client.rest(`/${ext}/participants/${body.result.id}/drop`, 'POST', {});
    assert.equal(dropped.status, 200);
    assert.equal(
      (await sim.xapiJson<{ value: { Id: number }[] }>('ActiveCalls')).value.some(
        (r) => r.Id === body.result.callid,
      ),
      false,
      'drop ends the call',
    );

    const device = (await client.json<DnInfo>(`/${ext}`)).devices[0]!.device_id;
    const viaDevice = await client.rest(`/${ext}/devices/${encodeURIComponent(device)}/makecall`, 'POST', {
      destination: other,
      timeout: 20,
    });
    assert.equal(viaDevice.status, 200);
    const internal = viaDevice.json<{ result: Participant }>().result;
    assert.equal(internal.party_dn, other);
    await client.rest(`/${ext}/participants/${internal.id}/drop`, 'POST');

    assert.equal((await client.rest(`/${ext}/makecall`, 'POST', {})).status, 400);
    assert.equal((await client.rest(`/${ext}/makecall`, 'POST', { destination: 42 })).status, 400);
    assert.equal(
      (await client.rest(`/${ext}/devices/sip%3Ax/makecall`, 'POST', { destination: '200' })).status,
      404,
    );
    assert.equal((await client.rest(`/${ext}/makecall`, 'GET')).status, 405);
  });

  it('answers a ringing participant through Call Control', async () => {
    const from = client.events.length;
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930999000', to: ext });
    await sim.script('POST', `calls/${started.id}/ring`);
    const [upsert] = await client.next(from, 1);
    const id = upsert!.event.entity.split('/').pop();
    const answered = await client.rest(`/${ext}/participants/${id}/answer`, 'POST', {});
    assert.equal(answered.status, 200);
    assert.equal(answered.json<{ result: Participant }>().result.status, 'Connected');
    const row = (await sim.xapiJson<{ value: { Id: number; Status: string }[] }>('ActiveCalls')).value.find(
      (r) => r.Id === started.id,
    );
    assert.equal(row?.Status, 'Talking');
    assert.equal(
      (await client.rest(`/${ext}/participants/${id}/answer`, 'POST', {})).status,
      400,
      'not ringing',
    );
    assert.equal((await client.rest(`/${ext}/participants/${id}/bogus`, 'POST', {})).status, 404);
    await sim.script('POST', `calls/${started.id}/hangup`);
  });

  it('shows only monitored DNs, and sends events only for them', async () => {
    await sim.script('PATCH', 'callcontrol', { monitored: [ext, queue] });
    try {
      assert.deepEqual(
        (await client.json<DnInfo[]>('')).map((d) => d.dn),
        [ext, queue],
      );
      assert.equal((await client.rest(`/${other}`)).status, 404);
      assert.equal((await client.rest(`/${other}/participants`)).status, 404);
      const from = client.events.length;
      const hidden = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930100100', to: other });
      await sim.script('POST', `calls/${hidden.id}/ring`);
      const shown = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930100200', to: ext });
      await sim.script('POST', `calls/${shown.id}/ring`);
      const events = await client.next(from, 1);
      assert.deepEqual(shape(events), [`+${ext}`], 'nothing about the unmonitored extension');
      await sim.script('POST', `calls/${hidden.id}/hangup`);
      await sim.script('POST', `calls/${shown.id}/hangup`);
      await client.next(from, 2);
      assert.deepEqual(shape(client.events.slice(from)), [`+${ext}`, `-${ext}`]);
      const state = await sim.script<{ monitored: string[] }>('GET', 'callcontrol');
      assert.deepEqual(state.monitored, [ext, queue]);
      await assert.rejects(sim.script('PATCH', 'callcontrol', { monitored: ['nope'] }), /400/);
    } finally {
      await sim.script('PATCH', 'callcontrol', { monitored: 'all' });
    }
  });

  it('reports DTMF strings as event type 2 with attached_data.dtmf_input', async () => {
    const from = client.events.length;
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930100300', to: ext });
    await sim.script('POST', `calls/${started.id}/answer`);
    await sim.script('POST', `calls/${started.id}/dtmf`, { digits: '12#' });
    const events = await eventually(() => {
      const got = client.events.slice(from);
      return got.some((e) => e.event.event_type === 2) && got;
    }, 'a DTMF event');
    const dtmf = events.find((e) => e.event.event_type === 2)!;
    assert.deepEqual(dtmf.event.attached_data, { dtmf_input: '12#' });
    assert.match(dtmf.event.entity, new RegExp(`^/callcontrol/${ext}/participants/\\d+$`));
    await sim.script('POST', `calls/${started.id}/hangup`);
  });

  it('answers pings', async () => {
    assert.equal(await client.pongWithin(2000), true);
  });
});

interface WireLike {
  event: object;
}

describe('Call Control scripting: permission, drop, silence, token expiry', () => {
  let sim: SimHarness;
  let ext = '';
  before(async () => {
    sim = await SimHarness.start({ extensions: 10 });
    ext = (await sim.registeredExtensions())[0]!;
  });
  after(() => sim.stop());

  it('a client without "Call Control API Access" gets 403, and open websockets close (4003)', async () => {
    const token = await sim.clientToken();
    const client = await CallControlClient.connect(sim, token);
    await sim.script('PATCH', 'callcontrol', { enabled: false });
    try {
      assert.equal((await client.waitClosed()).code, 4003);
      assert.equal((await client.rest('')).status, 403);
      assert.equal((await client.rest(`/${ext}/participants`)).status, 403);
      assert.equal(await refusedUpgrade(sim, { authorization: `Bearer ${token}` }), 403);
      assert.equal((await sim.xapi('Users?$top=1', { token })).status, 200, 'the xAPI is unaffected');
    } finally {
      await sim.script('PATCH', 'callcontrol', { enabled: true });
    }
    const again = await CallControlClient.connect(sim, token);
    again.close();
  });

  it('POST /sim/callcontrol/drop closes every websocket; a client reconnects', async () => {
    const token = await sim.clientToken();
    const a = await CallControlClient.connect(sim, token);
    const b = await CallControlClient.connect(sim, token);
    const dropped = await sim.script<{ closed: number }>('POST', 'callcontrol/drop');
    assert.equal(dropped.closed, 2);
    assert.equal((await a.waitClosed()).code, 1001);
    assert.equal((await b.waitClosed()).code, 1001);
    const c = await CallControlClient.connect(sim, token);
    assert.equal((await sim.script<{ connections: number }>('GET', 'callcontrol')).connections, 1);
    await sim.script('POST', 'callcontrol/drop', { terminate: true });
    assert.equal((await c.waitClosed()).code, 1006, 'terminate cuts the connection without a close frame');
  });

  it('silence: no events and no pongs, the socket stays open; new connections are not silent', async () => {
    const token = await sim.clientToken();
    const quiet = await CallControlClient.connect(sim, token);
    assert.equal((await sim.script<{ connections: number }>('POST', 'callcontrol/silence')).connections, 1);
    const fresh = await CallControlClient.connect(sim, token);
    const started = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930200200', to: ext });
    await sim.script('POST', `calls/${started.id}/ring`);
    await fresh.next(0, 1);
    assert.equal(await quiet.pongWithin(300), false);
    assert.equal(await fresh.pongWithin(2000), true);
    assert.equal(quiet.events.length, 0);
    assert.equal(quiet.closed, undefined);
    await sim.script('POST', 'callcontrol/silence', { silent: false });
    await sim.script('POST', `calls/${started.id}/hangup`);
    const [resumed] = await quiet.next(0, 1);
    assert.equal(resumed!.sequence, 2, 'the event missed while silent leaves a gap in the sequence');
    quiet.close();
    fresh.close();
  });

  it('closes the websocket (4001) when its token expires, and when a newer token replaces it', async () => {
    await sim.script('POST', 'auth', { token_ttl: 5 });
    try {
      const client = await CallControlClient.connect(sim, await sim.clientToken());
      await sim.script('POST', 'clock', { advance_seconds: 6 });
      assert.deepEqual(await client.waitClosed(), { code: 4001, reason: 'token expired' });
    } finally {
      await sim.script('POST', 'auth', { token_ttl: 3600 });
    }
    const replaced = await CallControlClient.connect(sim, await sim.clientToken());
    await sim.clientToken();
    assert.deepEqual(await replaced.waitClosed(), { code: 4001, reason: 'token revoked' });
    const revoked = await CallControlClient.connect(sim, await sim.clientToken());
    await sim.script('POST', 'auth', { revoke: true });
    assert.equal((await revoked.waitClosed()).code, 4001);
  });
});
