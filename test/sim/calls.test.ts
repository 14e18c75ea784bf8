// Scripted calls and 3CX's quirks: ROUTER, DID instead of caller, voicemail pickups, call-log legs, recordings,
// click-to-call, drop, presence writes, failures, the request log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, SimHarness } from '../helpers/pbx-http.ts';

interface ActiveRow {
  Id: number;
  Caller: string;
  Callee: string;
  Status: string;
  EstablishedAt: string;
  LastChangeStatus: string;
  ServerNow: string;
}
interface CallLogRow {
  MainCallHistoryId: string;
  CallHistoryId: string;
  SourceDn: string;
  SourceCallerId: string;
  SourceType: number;
  DestinationDn: string;
  DestinationType: number;
  DestinationDisplayName: string;
  Answered: boolean;
  Status: string;
  Direction: string;
  TalkingDuration: string;
  DstRecId: number | null;
  StartTime: string;
}

const CALL_LOG = (from: string, to: string) =>
  `ReportCallLogData/Pbx.GetCallLogData(periodFrom=${from},periodTo=${to},sourceType=0,sourceFilter='',destinationType=0,` +
  "destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)";
const WIDE_LOG = CALL_LOG('2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z');

describe('simulated calls', () => {
  let sim: SimHarness;
  let trunkDid = '';
  let ext = '';
  let extName = '';
  let queue = '';
  let group = '';

  before(async () => {
    sim = await SimHarness.start({ extensions: 20, trunks: 2 });
    const state = await sim.script<{
      trunks: { number: string; did: string }[];
      queues: string[];
      ring_groups: string[];
    }>('GET', 'state');
    trunkDid = state.trunks[0]!.did;
    queue = state.queues[0]!;
    group = state.ring_groups[0]!;
    const user = (
      await sim.xapiJson("Users?$filter=IsRegistered eq true and not startsWith(Number,'HD')&$top=1")
    ).value[0]!;
    ext = user.Number as string;
    extName = user.DisplayName as string;
  });
  after(() => sim.stop());

  const active = async () => (await sim.xapiJson<{ value: ActiveRow[] }>('ActiveCalls')).value;
  const row = async (id: number) => (await active()).find((r) => r.Id === id);
  const logFor = async (historyId: string) =>
    (await sim.xapiJson<{ value: CallLogRow[] }>(`${WIDE_LOG}?$top=1000`)).value.filter(
      (r) => r.MainCallHistoryId === historyId,
    );

  it('inbound on a trunk that shows the DID: ROUTER, then ringing, then talking; the call log has the real caller', async () => {
    const started = await sim.script<{ id: number; main_call_history_id: string }>('POST', 'calls', {
      from: '+4930999888',
      to: ext,
      trunk: '10000',
    });
    let r = (await row(started.id))!;
    assert.equal(r.Callee, 'ROUTER');
    assert.equal(r.Status, 'Routing');
    assert.match(
      r.Caller,
      new RegExp(`^10000 \\S.* \\(${trunkDid}\\)$`),
      'the parenthesised number is the DID, not the caller',
    );
    assert.ok(!r.Caller.includes('4930999888'));
    await sim.script('POST', `calls/${started.id}/ring`);
    r = (await row(started.id))!;
    assert.equal(r.Callee, `${ext} ${extName}`);
    assert.equal(r.Status, 'Ringing');
    await sim.script('POST', 'clock', { advance_seconds: 4 });
    await sim.script('POST', `calls/${started.id}/answer`);
    await sim.script('POST', 'clock', { advance_seconds: 30 });
    r = (await row(started.id))!;
    assert.equal(r.Status, 'Talking');
    const seconds = (from: string) => (Date.parse(r.ServerNow) - Date.parse(from)) / 1000;
    assert.ok(
      seconds(r.LastChangeStatus) >= 30 && seconds(r.LastChangeStatus) < 31,
      'ServerNow is the PBX clock',
    );
    assert.ok(seconds(r.EstablishedAt) >= 34 && seconds(r.EstablishedAt) < 35);
    await sim.script('POST', `calls/${started.id}/hangup`);
    assert.equal(await row(started.id), undefined);
    const legs = await logFor(started.main_call_history_id);
    assert.equal(legs.length, 1);
    assert.equal(legs[0]!.SourceDn, '10000');
    assert.equal(legs[0]!.SourceCallerId, '+4930999888');
    assert.equal(legs[0]!.SourceType, 1);
    assert.equal(legs[0]!.Answered, true);
    assert.equal(legs[0]!.Direction, 'Inbound');
    assert.match(legs[0]!.TalkingDuration, /^PT30(\.\d+)?S$/, 'talk time as an ISO duration');
  });

  it('inbound on a trunk that shows the caller', async () => {
    const started = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4940123123',
      to: ext,
      trunk: '10001',
    });
    assert.match((await row(started.id))!.Caller, /^10001 .* \(4940123123\)$/);
    await sim.script('POST', `calls/${started.id}/hangup`);
  });

  it('voicemail pickup shows Talking to "VoiceMail of …" and logs a DN-type-5 leg after the unanswered one', async () => {
    const started = await sim.script<{ id: number; main_call_history_id: string }>('POST', 'calls', {
      from: '+4930555000',
      to: ext,
    });
    await sim.script('POST', `calls/${started.id}/ring`);
    await sim.script('POST', 'clock', { advance_seconds: 20 });
    await sim.script('POST', `calls/${started.id}/voicemail`);
    const r = (await row(started.id))!;
    assert.equal(r.Status, 'Talking');
    assert.equal(r.Callee, `VoiceMail of ${ext} ${extName}`);
    await sim.script('POST', `calls/${started.id}/hangup`);
    const legs = await logFor(started.main_call_history_id);
    assert.deepEqual(legs.map((l) => [l.DestinationType, l.Answered, l.Status]).reverse(), [
      [0, false, 'Unanswered'],
      [5, true, 'Answered'],
    ]);
    assert.ok(
      legs.every(
        (l) =>
          l.MainCallHistoryId === started.main_call_history_id &&
          l.CallHistoryId === started.main_call_history_id,
      ),
    );
  });

  it('a queue call waits (ringing the queue), then an agent answers; legs share MainCallHistoryId', async () => {
    const started = await sim.script<{ id: number; main_call_history_id: string }>('POST', 'calls', {
      from: '+4930777000',
      to: queue,
    });
    await sim.script('POST', `calls/${started.id}/ring`);
    let r = (await row(started.id))!;
    assert.match(r.Callee, new RegExp(`^${queue} `));
    assert.equal(r.Status, 'Ringing');
    await sim.script('POST', 'clock', { advance_seconds: 12 });
    const answered = await sim.script<{ answered_by: string }>('POST', `calls/${started.id}/answer`);
    r = (await row(started.id))!;
    assert.equal(r.Status, 'Talking');
    assert.ok(r.Callee.startsWith(`${answered.answered_by} `));
    await sim.script('POST', `calls/${started.id}/hangup`);
    const legs = (await logFor(started.main_call_history_id)).reverse();
    assert.deepEqual(
      legs.map((l) => [l.DestinationDn, l.Status, l.Direction]),
      [
        [queue, 'Waiting', 'Inbound Queue'],
        [answered.answered_by, 'Answered', 'Inbound'],
      ],
    );
  });

  it('ring groups, internal and outbound calls, transfers, holds', async () => {
    const rg = await sim.script<{ id: number }>('POST', 'calls', { from: '+4930777111', to: group });
    await sim.script('POST', `calls/${rg.id}/ring`);
    assert.match((await row(rg.id))!.Callee, new RegExp(`^${group} `));
    await sim.script('POST', `calls/${rg.id}/answer`);
    await sim.script('POST', `calls/${rg.id}/hold`);
    assert.equal((await row(rg.id))!.Status, 'Held');
    await sim.script('POST', `calls/${rg.id}/resume`);
    await sim.script('POST', `calls/${rg.id}/transfer`, { to: ext });
    assert.equal((await row(rg.id))!.Status, 'Transferring');
    await sim.script('POST', `calls/${rg.id}/ring`);
    assert.equal((await row(rg.id))!.Callee, `${ext} ${extName}`);
    await sim.script('POST', `calls/${rg.id}/hangup`);

    const internal = await sim.script<{ id: number; direction: string }>('POST', 'calls', {
      from: ext,
      to:
        group === ext
          ? '101'
          : (await sim.script<{ extensions: string[] }>('GET', 'state')).extensions.find((n) => n !== ext)!,
    });
    assert.equal(internal.direction, 'internal');
    assert.equal((await row(internal.id))!.Status, 'Ringing');
    await sim.script('POST', `calls/${internal.id}/hangup`);

    const outbound = await sim.script<{ id: number; direction: string }>('POST', 'calls', {
      from: ext,
      to: '+4989123456',
    });
    assert.equal(outbound.direction, 'outbound');
    assert.equal((await row(outbound.id))!.Status, 'Initiating');
    await sim.script('POST', `calls/${outbound.id}/ring`);
    assert.match((await row(outbound.id))!.Callee, /^10000 .*\(4989123456\)$/);
    await sim.script('POST', `calls/${outbound.id}/hangup`);
  });

  it('records answered calls and serves the recording as a WAV; 404 for key lookups, 400 for a missing file', async () => {
    const started = await sim.script<{ id: number }>('POST', 'calls', {
      from: '+4930121212',
      to: ext,
      recorded: true,
    });
    await sim.script('POST', `calls/${started.id}/answer`);
    await sim.script('POST', 'clock', { advance_seconds: 5 });
    await sim.script('POST', `calls/${started.id}/hangup`);
    const recordings = (
      await sim.xapiJson(`Recordings?$filter=${encodeURIComponent("FromCallerNumber eq '+4930121212'")}`)
    ).value;
    assert.equal(recordings.length, 1);
    const id = recordings[0]!.Id as number;
    assert.equal((await sim.xapi(`Recordings(${id})`)).status, 404, 'Recordings(<id>) 404s on v20');
    const wav = await sim.xapi(`Recordings/Pbx.DownloadRecording(recId=${id})`);
    assert.equal(wav.status, 200);
    assert.equal(wav.headers['content-type'], 'audio/x-wav');
    assert.match(String(wav.headers['content-disposition']), /^attachment; filename=/);
    assert.equal(wav.body.subarray(0, 4).toString('ascii'), 'RIFF');
    assert.equal(wav.body.subarray(8, 12).toString('ascii'), 'WAVE');
    const missing = await sim.xapi('Recordings/Pbx.DownloadRecording(recId=987654)');
    assert.equal(missing.status, 400);
    assert.match(missing.text, /WARNINGS\.XAPI\.FILE_NOT_FOUND/);
  });

  it('GetCallLogData needs all 11 parameters (404), right types (500), and keeps to its window', async () => {
    assert.equal(
      (await sim.xapi('ReportCallLogData/Pbx.GetCallLogData(periodFrom=2000-01-01T00:00:00Z)')).status,
      404,
    );
    assert.equal((await sim.xapi(WIDE_LOG.replace('sourceType=0', 'sourceType=x'))).status, 500);
    const none = await sim.xapiJson(CALL_LOG('2001-01-01T00:00:00Z', '2001-01-02T00:00:00Z'));
    assert.deepEqual(none.value, []);
    const rows = (await sim.xapiJson<{ value: CallLogRow[] }>(`${WIDE_LOG}?$top=500`)).value;
    const times = rows.map((r) => Date.parse(r.StartTime));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.equal((await sim.xapi('ReportCallLogData')).status, 404);
  });

  it('CallHistoryView holds the same segments, filterable by time', async () => {
    const rows = (
      await sim.xapiJson(
        "CallHistoryView?$filter=SegmentStartTime ge 2000-01-01T00:00:00Z and SrcDn eq '10000'&$orderby=SegmentId desc&$top=100",
      )
    ).value;
    assert.ok(rows.length >= 1);
    assert.ok(rows.some((r) => r.SrcCallerNumber === '+4930999888'));
  });

  it('MakeCall rings the extension first and needs a registered device; DropCall ends a call', async () => {
    const made = await sim.xapi('Users/Pbx.MakeCall', {
      method: 'POST',
      body: { dn: ext, destination: '+4930222333', contact: null, testCall: false },
    });
    assert.equal(made.status, 200);
    const result = made.json<{ FinalStatus: string; Result: { CallId: number; DN: string } }>();
    assert.equal(result.FinalStatus, 'Success');
    assert.equal(result.Result.DN, ext);
    assert.ok(await row(result.Result.CallId));
    const dropped = await sim.xapi(`ActiveCalls(${result.Result.CallId})/Pbx.DropCall`, { method: 'POST' });
    assert.equal(dropped.status, 200);
    assert.equal(await row(result.Result.CallId), undefined);
    assert.equal((await sim.xapi('ActiveCalls(999999)/Pbx.DropCall', { method: 'POST' })).status, 404);
    await sim.script('PATCH', `extensions/${ext}`, { registered: false });
    assert.equal(
      (await sim.xapi('Users/Pbx.MakeCall', { method: 'POST', body: { dn: ext, destination: '200' } }))
        .status,
      404,
    );
    await sim.script('PATCH', `extensions/${ext}`, { registered: true });
  });

  it('PATCH Users({Id}) changes presence only to a profile the user has', async () => {
    const user = (await sim.xapiJson(`Users?$filter=Number eq '${ext}'&$select=Id`)).value[0]!;
    const ok = await sim.xapi(`Users(${String(user.Id)})`, {
      method: 'PATCH',
      body: { CurrentProfileName: 'Away' },
    });
    assert.equal(ok.status, 204);
    assert.equal(
      (
        await sim.xapiJson<{ CurrentProfileName: string }>(
          `Users(${String(user.Id)})?$select=CurrentProfileName`,
        )
      ).CurrentProfileName,
      'Away',
    );
    const bad = await sim.xapi(`Users(${String(user.Id)})`, {
      method: 'PATCH',
      body: { CurrentProfileName: 'Gone fishing' },
    });
    assert.equal(bad.status, 400);
    assert.equal(
      (await sim.xapi(`Users(${String(user.Id)})`, { method: 'PATCH', body: { Nonsense: 1 } })).status,
      400,
    );
    await sim.script('PATCH', `extensions/${ext}`, { presence: 'Available' });
  });
});

describe('simulated failures and the request log', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await SimHarness.start();
  });
  after(() => sim.stop());

  it('fails with 500 (OData error), then recovers', async () => {
    await sim.script('POST', 'fault', { mode: '500' });
    const answer = await sim.xapi('Users?$top=1');
    assert.equal(answer.status, 500);
    assert.equal(typeof answer.json<{ error: { message: string } }>().error.message, 'string');
    await sim.script('DELETE', 'fault');
    assert.equal((await sim.xapi('Users?$top=1')).status, 200);
  });

  it('fails with an HTML 503 for a given number of requests', async () => {
    await sim.script('POST', 'fault', { mode: '503', count: 2 });
    const first = await sim.xapi('Users?$top=1');
    assert.equal(first.status, 503);
    assert.match(String(first.headers['content-type']), /text\/html/);
    assert.equal((await sim.xapi('Users?$top=1')).status, 503);
    assert.equal((await sim.xapi('Users?$top=1')).status, 200);
  });

  it('resets the connection, hangs, or sends broken JSON, only on matching paths', async () => {
    await sim.script('POST', 'fault', { mode: 'reset', path: '^/xapi/v1/ActiveCalls' });
    await assert.rejects(sim.xapi('ActiveCalls'));
    assert.equal((await sim.xapi('Users?$top=1')).status, 200, 'other paths are fine');
    await sim.script('POST', 'fault', { mode: 'malformed' });
    const broken = await sim.xapi('Users?$top=1');
    assert.equal(broken.status, 200);
    assert.throws(() => broken.json());
    await sim.script('POST', 'fault', { mode: 'hang' });
    const started = Date.now();
    const hanging = sim.xapi('Users?$top=1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sim.script('DELETE', 'fault'); // releases the hung request by closing its connection
    await assert.rejects(hanging);
    assert.ok(Date.now() - started >= 300);
    assert.equal((await sim.xapi('Users?$top=1')).status, 200);
  });

  it('logins fail too while a fault covers them', async () => {
    await sim.script('POST', 'fault', { mode: '503' });
    await assert.rejects(sim.clientToken());
    await sim.script('DELETE', 'fault');
    sim.token = await sim.clientToken();
  });

  it('logs every request it received with path, query and status', async () => {
    await sim.script('DELETE', 'requests');
    await sim.xapi('Users?$top=100&$skip=0');
    await sim.xapi('Users?$top=101');
    await call(`${sim.url}/xapi/v1/Users`);
    const { requests } = await sim.script<{
      requests: { path: string; query: Record<string, string>; status: number }[];
    }>('GET', 'requests');
    assert.deepEqual(
      requests.map((r) => [r.path, r.query.$top ?? null, r.status]),
      [
        ['/xapi/v1/Users', '100', 200],
        ['/xapi/v1/Users', '101', 400],
        ['/xapi/v1/Users', null, 401],
      ],
    );
  });
});
