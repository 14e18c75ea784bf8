// Pure pieces: 3CX party strings, extension status, waiting callers, retained diff, attribute text, topics, backoff.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseParty, partyDn } from '../../src/domain/dn.ts';
import { extensionStatus, waitingCallers } from '../../src/domain/call-activity.ts';
import { diffRetained } from '../../src/domain/retained-diff.ts';
import type { ActiveCall, Extension, Queue } from '../../src/domain/types.ts';
import { Poller } from '../../src/gateway/poller.ts';
import { isOwnDiscoveryTopic } from '../../src/homeassistant/discovery.ts';
import { topicMatches } from '../../src/mqtt/connection.ts';
import { attributeText, entityMessages } from '../../src/mqtt/output.ts';
import { topicSegment } from '../../src/mqtt/topics.ts';

const call = (caller: string, callee: string, status: string): ActiveCall => ({
  id: Math.floor(Math.random() * 1e6),
  caller,
  callee,
  status,
  establishedAt: null,
  lastChangeStatus: null,
  serverNow: null,
});
const ext: Extension = {
  id: 1,
  number: '101',
  name: 'Anna Berg',
  firstName: 'Anna',
  lastName: 'Berg',
  presence: 'Available',
  registered: true,
  queueStatus: 'LoggedIn',
  profiles: [],
};

describe('3CX party strings', () => {
  it('parses every form', () => {
    assert.deepEqual(parseParty('101 Anna Berg'), { kind: 'dn', dn: '101', name: 'Anna Berg', number: null });
    assert.deepEqual(parseParty('10000 Telco SIP (4930123456)'), {
      kind: 'dn',
      dn: '10000',
      name: 'Telco SIP',
      number: '4930123456',
    });
    assert.deepEqual(parseParty('ROUTER'), { kind: 'router' });
    assert.deepEqual(parseParty('VoiceMail of 101 Anna Berg'), {
      kind: 'voicemail',
      dn: '101',
      name: 'Anna Berg',
    });
    assert.deepEqual(parseParty('800'), { kind: 'dn', dn: '800', name: '', number: null });
    assert.equal(parseParty(''), undefined);
    assert.equal(partyDn('ROUTER'), undefined);
    assert.equal(partyDn("101 Sofia O'Brien (x)"), '101');
  });
});

describe('extension status from active calls', () => {
  it('idle, offline, ringing, dialing, talking — talking wins', () => {
    assert.equal(extensionStatus(ext, []), 'idle');
    assert.equal(extensionStatus({ ...ext, registered: false }, []), 'offline');
    assert.equal(extensionStatus(ext, [call('10000 T (1)', '101 Anna Berg', 'Ringing')]), 'ringing');
    assert.equal(extensionStatus(ext, [call('101 Anna Berg', 'ROUTER', 'Routing')]), 'dialing');
    assert.equal(extensionStatus(ext, [call('101 Anna Berg', '10000 T (49)', 'Ringing')]), 'dialing');
    assert.equal(
      extensionStatus(ext, [
        call('10000 T (1)', '101 Anna Berg', 'Ringing'),
        call('102 Tom', '101 Anna Berg', 'Talking'),
      ]),
      'talking',
    );
    assert.equal(extensionStatus(ext, [call('101 Anna Berg', '102 Tom', 'Held')]), 'talking');
    assert.equal(
      extensionStatus(ext, [call('10000 T (1)', 'VoiceMail of 101 Anna Berg', 'Talking')]),
      'idle',
      'voicemail is not the person talking',
    );
    assert.equal(
      extensionStatus(ext, [call('1010 X', '1011 Y', 'Talking')]),
      'idle',
      'prefix numbers do not match',
    );
  });

  it('counts waiting callers in every status 3CX is reported to use', () => {
    const queue: Queue = {
      id: 1,
      number: '900',
      name: 'Support',
      strategy: null,
      registered: true,
      agents: [],
    };
    const calls = [
      call('10000 T (1)', '900 Support', 'Ringing'),
      call('10000 T (2)', '900 Support', 'Talking'),
      call('10000 T (3)', '900 Support', 'Routing'),
      call('10000 T (4)', '101 Anna Berg', 'Talking'),
      call('10000 T (5)', '9000 Other', 'Ringing'),
    ];
    assert.equal(waitingCallers(queue, calls), 3);
  });
});

describe('retained diff', () => {
  it('publishes changes and new topics, clears removed ones', () => {
    const previous = new Map([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
    const next = new Map([
      ['a', '1'],
      ['b', '20'],
      ['d', '4'],
    ]);
    assert.deepEqual(diffRetained(previous, next), {
      publish: [
        ['b', '20'],
        ['d', '4'],
      ],
      clear: ['c'],
    });
    assert.deepEqual(diffRetained(next, next), { publish: [], clear: [] });
  });
});

describe('output modes', () => {
  it('writes plain attribute values', () => {
    assert.equal(attributeText(true), 'ON');
    assert.equal(attributeText(false), 'OFF');
    assert.equal(attributeText(null), '');
    assert.equal(attributeText(3), '3');
    assert.equal(
      attributeText([
        { number: '101', name: 'Anna Berg' },
        { number: '102', name: '' },
      ]),
      '101 Anna Berg, 102',
    );
  });
  it('orders attributes before the object, in payload key order', () => {
    const messages = entityMessages(
      'b/pbx',
      { last_missed_caller: '+49', missed_count: 2 },
      'attribute_and_json',
    );
    assert.deepEqual(
      messages.map(([t]) => t),
      ['b/pbx/last_missed_caller', 'b/pbx/missed_count', 'b/pbx'],
    );
    assert.deepEqual(entityMessages('b/x', { a: 1 }, 'json'), [['b/x', '{"a":1}']]);
  });
});

describe('topics', () => {
  it('sanitises segments made from PBX data', () => {
    assert.equal(topicSegment('101'), '101');
    assert.equal(topicSegment('a/b+c#d\u0000e\u0007f'), 'a_b_c_d_e_f');
    assert.equal(topicSegment(''), '_');
  });
  it('matches filters', () => {
    assert.ok(topicMatches('a/+/c', 'a/b/c'));
    assert.ok(topicMatches('a/#', 'a/b/c'));
    assert.ok(!topicMatches('a/+', 'a/b/c'));
    assert.ok(!topicMatches('a/b', 'a'));
  });
  it('knows its own discovery topics, and not those of a similar pbx id', () => {
    const ctx = { prefix: 'homeassistant', pbxId: 'main' };
    assert.ok(isOwnDiscoveryTopic(ctx, 'homeassistant/device/3cx2mqtt_main_extension_101/config'));
    assert.ok(isOwnDiscoveryTopic(ctx, 'homeassistant/device/3cx2mqtt_main_pbx/config'));
    assert.ok(isOwnDiscoveryTopic(ctx, 'homeassistant/sensor/3cx2mqtt_main/extension_101_status/config'));
    assert.ok(!isOwnDiscoveryTopic(ctx, 'homeassistant/sensor/3cx2mqtt_main_2/extension_101_status/config'));
    assert.ok(!isOwnDiscoveryTopic(ctx, 'homeassistant/device/3cx2mqtt_other_pbx/config'));
    assert.ok(!isOwnDiscoveryTopic(ctx, 'homeassistant/device/zigbee2mqtt_0x1/config'));
  });
});

describe('poll backoff', () => {
  it('waits the interval, then doubles on failure up to 60 s with ±20 % jitter, and resets on success', async () => {
    let fail = true;
    const poller = new Poller({
      name: 'x',
      intervalMs: 2000,
      task: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve()),
      onSuccess: () => undefined,
      onFailure: () => undefined,
      random: () => 0.5,
    });
    assert.equal(poller.nextDelay(), 2000);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await poller.run();
      delays.push(poller.nextDelay());
    }
    assert.deepEqual(delays, [4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    fail = false;
    await poller.run();
    assert.equal(poller.nextDelay(), 2000);
    await poller.stop();
  });

  it("starts polls one interval apart: a poll's own time is taken off the wait, down to a tenth of the interval", async () => {
    let fail = false;
    const poller = new Poller({
      name: 'x',
      intervalMs: 1000,
      task: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve()),
      onSuccess: () => undefined,
      onFailure: () => undefined,
      random: () => 0.5,
    });
    assert.equal(poller.delayAfter(0), 1000);
    assert.equal(poller.delayAfter(300), 700);
    assert.equal(poller.delayAfter(950), 100);
    assert.equal(poller.delayAfter(5000), 100);
    fail = true;
    await poller.run();
    assert.equal(poller.delayAfter(300), 2000, 'a failure waits the whole backoff');
    await poller.stop();
  });
});
