// Call Control's websocket messages and participants as 3cx-xapi.md §5 shows them, parsed into domain values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCallControlEvent, participantSchema } from '../../src/pbx/callcontrol.ts';

describe('Call Control parsing', () => {
  it('reads an event: sequence, type, DN and participant id from the entity path', () => {
    assert.deepEqual(
      parseCallControlEvent(
        '{"sequence":15,"event":{"event_type":0,"entity":"/callcontrol/101/participants/8106","attached_data":null}}',
      ),
      { sequence: 15, type: 0, dn: '101', participant: 8106 },
    );
    assert.deepEqual(
      parseCallControlEvent('{"sequence":2,"event":{"event_type":1,"entity":"/callcontrol/900"}}'),
      { sequence: 2, type: 1, dn: '900', participant: undefined },
    );
  });

  it('drops what is not an event (a WS response, bad JSON, wrong types)', () => {
    for (const text of [
      'not json',
      '{"RequestID":"1","Path":"/callcontrol","StatusCode":200}',
      '{"sequence":"1","event":{"event_type":0,"entity":"/callcontrol/101/participants/1"}}',
      'null',
    ])
      assert.equal(parseCallControlEvent(text), undefined, text);
  });

  it('reads the documented participant, with missing strings as empty', () => {
    const parsed = participantSchema.parse({
      id: 8106,
      status: 'Ringing',
      dn: '101',
      party_caller_name: '+4930123456',
      party_dn: '10000',
      party_caller_id: '030123456',
      party_did: null,
      device_id: 'sip:101@127.0.0.1:5063',
      party_dn_type: 'Wexternalline',
      direct_control: false,
      originated_by_dn: 'ROUTER',
      originated_by_type: 'Wroutepoint',
      callid: 1264,
      legid: 4,
    });
    assert.deepEqual(
      [parsed.party_caller_id, parsed.party_did, parsed.on_behalf_of_dn, parsed.callid, parsed.legid],
      ['030123456', '', '', 1264, 4],
    );
    assert.equal(participantSchema.safeParse({ id: 'x', dn: '101', callid: 1 }).success, false);
  });
});
