// Fuzz (issue 15): MQTT command payloads (binary, 10 MB, deep nesting, unicode controls and bidi marks, CR/LF and
// SIP header injection in numbers and names), first through the parsers, then through a running gateway on a real
// mosquitto: every payload answered ok:false with a reason, nothing reaches the PBX, the gateway keeps running.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { ALARM_TYPES } from '../../src/domain/alarm.ts';
import {
  parseAlarm,
  parseDial,
  parseDrop,
  parseMakeCall,
  parsePresence,
  type Parsed,
} from '../../src/control/parse.ts';
import { answers, pbxWrites, sendCommand, sendCommands } from '../helpers/commands.ts';
import { gatewayConfig, startGateway, type GatewayHarness } from '../helpers/gateway.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { MqttWatch } from '../helpers/mqtt-watch.ts';
import { SimHarness } from '../helpers/pbx-http.ts';
import {
  binaryPayload,
  deeplyNested,
  HOSTILE_CHARACTERS,
  hostileCharacter,
  hostileString,
  injection,
} from './generators.ts';
import { fuzz } from './runner.ts';

const NUMBER = /^\+?[0-9*#]{1,32}$/;
const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const hasHostileCharacter = (text: string) => HOSTILE_CHARACTERS.some((c) => text.includes(c));

type Command = 'presence' | 'dial' | 'drop' | 'make_call' | 'alarm_call';
const PARSERS: Record<Command, (payload: Buffer) => Parsed<unknown>> = {
  presence: parsePresence,
  dial: parseDial,
  drop: parseDrop,
  make_call: parseMakeCall,
  alarm_call: parseAlarm,
};
/** The JSON field each command reads its main value from. */
const FIELD: Record<Command, string> = {
  presence: 'presence',
  dial: 'number',
  drop: 'id',
  make_call: 'number',
  alarm_call: 'type',
};

/** Why a parse result is not clean, or undefined: an answer is a value or a reason, and a value holds no trap. */
function unclean(command: Command, parsed: Parsed<unknown>): string | undefined {
  const hasValue = parsed.value !== undefined;
  const hasError = typeof parsed.error === 'string' && parsed.error.length > 0;
  if (hasValue === hasError) return `neither or both of value and error: ${JSON.stringify(parsed)}`;
  if (!hasValue) return undefined;
  const value = parsed.value as Record<string, unknown> | string;
  switch (command) {
    case 'presence':
      return typeof value === 'string' && value.length <= 64 && !hasHostileCharacter(value)
        ? undefined
        : `presence ${JSON.stringify(value)}`;
    case 'dial':
      return typeof value === 'string' && NUMBER.test(value) ? undefined : `number ${JSON.stringify(value)}`;
    case 'drop':
      return typeof value === 'string' && CALL_ID.test(value) ? undefined : `id ${JSON.stringify(value)}`;
    case 'make_call': {
      const { number, durationS } = value as { number: unknown; durationS?: unknown };
      if (typeof number !== 'string' || !NUMBER.test(number)) return `number ${JSON.stringify(number)}`;
      return durationS === undefined || (typeof durationS === 'number' && durationS >= 1 && durationS <= 300)
        ? undefined
        : `duration ${JSON.stringify(durationS)}`;
    }
    case 'alarm_call': {
      const { type, numbers } = value as { type: unknown; numbers?: unknown };
      if (!ALARM_TYPES.includes(type as never)) return `type ${JSON.stringify(type)}`;
      return numbers === undefined ||
        (Array.isArray(numbers) && numbers.every((n) => typeof n === 'string' && NUMBER.test(n)))
        ? undefined
        : `numbers ${JSON.stringify(numbers)}`;
    }
  }
}

/** Payloads that once got through (seeds 1620589113, 1386437676, 1199489186): kept as explicit regressions. */
const REGRESSIONS: [Command, Buffer][] = [
  [
    'presence',
    Buffer.from(JSON.stringify({ presence: '20\r\nVia: SIP/2.0/UDP evil.example;branch=z9hG4bK11' })),
  ],
  ['presence', Buffer.from('Aw\ufeffay')],
  ['dial', Buffer.from('20\t1')],
  ['dial', Buffer.from(JSON.stringify({ number: '20\u20281' }))],
  ['make_call', Buffer.from('20\r\n1')],
  ['alarm_call', Buffer.from(JSON.stringify({ type: 'towing', numbers: ['20\u000b0'] }))],
];

const command = fc.constantFrom<Command>('presence', 'dial', 'drop', 'make_call', 'alarm_call');

/**
 * A value with a hostile piece inside it (not at its ends, which a sender's trailing newline may reach). A presence
 * name is free text checked against the PBX's profile names, so for it only the hostile characters are traps.
 */
function poisoned(name: Command): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('20', '+4930', 'Aw', 'tow', 'call-1'),
      name === 'presence' ? hostileCharacter : fc.oneof(hostileCharacter, injection),
      fc.constantFrom('1', '00', 'ay', 'ing', '23'),
    )
    .map(([head, piece, tail]) => `${head}${piece}${tail}`);
}

const TEN_MB = Buffer.alloc(10 * 1024 * 1024, '2');

/**
 * Payloads every command must refuse: the main value poisoned (plain or in JSON), binary, deeply nested, or (unless
 * `huge` is false: through the broker each costs a fifth of a second) 10 MB.
 */
function hostilePayload(name: Command, huge = true): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 3, arbitrary: poisoned(name).map((text) => Buffer.from(text)) },
    {
      weight: 3,
      arbitrary: poisoned(name).map((text) => Buffer.from(JSON.stringify({ [FIELD[name]]: text }))),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(poisoned('dial'), { minLength: 1, maxLength: 3 })
        .map((numbers) => Buffer.from(JSON.stringify({ type: 'towing', numbers }))),
    },
    { weight: 2, arbitrary: binaryPayload },
    { weight: 1, arbitrary: deeplyNested.map((text) => Buffer.from(text)) },
    { weight: huge ? 1 : 0, arbitrary: fc.constant(TEN_MB) },
  );
}

/** Anything at all: hostile, random JSON around the field, random text, random bytes. */
function anyPayload(name: Command): fc.Arbitrary<Buffer> {
  return fc.oneof(
    hostilePayload(name),
    hostileString.map((text) => Buffer.from(text)),
    fc
      .dictionary(
        fc.constantFrom(FIELD[name], 'numbers', 'duration', 'transaction', 'destination'),
        fc.jsonValue(),
      )
      .map((json) => Buffer.from(JSON.stringify(json))),
    fc.string({ unit: 'binary', maxLength: 100 }).map((text) => Buffer.from(text)),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  );
}

describe('fuzz: command payloads through the parsers', () => {
  it('every payload parses to a clean value or a reason, never a throw', async (t: TestContext) => {
    await fuzz(
      t,
      'command parsers, any payload',
      fc.property(
        command.chain((name) => fc.tuple(fc.constant(name), anyPayload(name))),
        ([name, payload]) => {
          const found = unclean(name, PARSERS[name](payload));
          if (found) throw new Error(`${name}: ${found}`);
        },
      ),
      { timeMs: 2500 },
    );
  });

  it('a value with a control, bidi mark, CR/LF or injection inside is refused', async (t: TestContext) => {
    await fuzz(
      t,
      'command parsers, hostile payload',
      fc.property(
        command.chain((name) => fc.tuple(fc.constant(name), hostilePayload(name))),
        ([name, payload]) => {
          const parsed = PARSERS[name](payload);
          if (parsed.value !== undefined) throw new Error(`${name} took ${JSON.stringify(parsed.value)}`);
        },
      ),
      { timeMs: 2500 },
    );
  });
});

describe('fuzz: command payloads through a running gateway', () => {
  let broker: Mosquitto | undefined;
  let sim: SimHarness;
  let gw: GatewayHarness | undefined;
  let watch: MqttWatch | undefined;
  let ext = '';

  before(async (t) => {
    broker = await Mosquitto.start(t as never);
    sim = await SimHarness.start({ extensions: 3 });
    ext = (await sim.registeredExtensions())[0]!;
    if (!broker) return;
    watch = await MqttWatch.connect(broker.url, ['3cx2mqtt/bridge/response', `3cx2mqtt/extension/${ext}`]);
    // A wide allowlist and rate limit, so that only the payload itself can be the reason for a refusal.
    gw = startGateway(
      gatewayConfig(sim, broker.url, {
        commands: { allowed_numbers: ['.*'], rate_limit_per_minute: 600 },
      }),
    );
    await watch.waitFor('the extension', () => watch!.latest().has(`3cx2mqtt/extension/${ext}`), 15_000);
  });
  after(async () => {
    await gw?.stop();
    await watch?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('answers every hostile payload ok:false with a reason; nothing reaches the PBX', async (t: TestContext) => {
    if (!broker || !watch || !gw) return t.skip();
    const topics: Record<Command, string> = {
      presence: `extension/${ext}/presence/set`,
      dial: `extension/${ext}/dial/set`,
      drop: 'calls/drop/set',
      make_call: 'pbx/make_call/set',
      alarm_call: 'pbx/alarm_call/set',
    };
    const before = answers(watch).length;
    let sent = 0;
    // Each run a batch, published back to back: the broker round trip is paid once per batch, not per payload.
    await fuzz(
      t,
      'commands end to end (runs of 1-10 payloads)',
      fc.asyncProperty(
        fc.array(
          command.chain((name) => fc.tuple(fc.constant(name), hostilePayload(name, false))),
          { minLength: 1, maxLength: 10 },
        ),
        async (batch) => {
          sent += batch.length;
          const got = await sendCommands(
            watch!,
            batch.map(([name, payload]) => [topics[name], payload] as const),
          );
          const wrong = got.find((answer) => answer.ok !== false || !answer.error);
          if (wrong) throw new Error(`accepted: ${JSON.stringify(wrong)}`);
          const expected = batch.map(([name]) => name).sort();
          assert.deepEqual(got.map((answer) => answer.command).sort(), expected);
        },
      ),
      {
        timeMs: 4000,
        numRuns: 400,
        examples: [[REGRESSIONS], [[['dial', TEN_MB]]], [[['presence', TEN_MB]]]],
      },
    );
    // A run cut off by the time bound may still be on its way: wait for its answers too.
    await watch.waitFor('an answer to every payload', () => answers(watch!).length - before >= sent, 10_000);
    assert.equal(answers(watch).length - before, sent, 'one answer per payload');
    t.diagnostic(`commands end to end: ${sent} payloads answered`);
    assert.deepEqual(await pbxWrites(sim), [], 'nothing reached the PBX');
    assert.ok(!gw.logLines.some((l) => /"level":50|command failed/.test(l)), 'no internal error');
    const plain = await sendCommand(watch, topics.presence, 'Away');
    assert.equal(plain.ok, true, `the gateway still runs commands: ${plain.error}`);
  });
});
