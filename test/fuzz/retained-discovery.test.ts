// Fuzz (issue 15): retained discovery configs the gateway reads from the broker at start (anyone who may publish
// under the discovery prefix can put anything there). Reading their unique ids and availability topics never
// throws and yields strings only; a topic is taken for this gateway's own only below its prefix and node id.
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import {
  availabilityTopicsOf,
  isOwnDiscoveryTopic,
  nodeId,
  uniqueIdsOf,
} from '../../src/homeassistant/discovery.ts';
import { binaryPayload, deeplyNested, hostileString, mutatedJson, mutatedText } from './generators.ts';
import { fuzz } from './runner.ts';

const CTX = { prefix: 'homeassistant', pbxId: 'main' };
const NODE = nodeId(CTX.pbxId);
/** The two shapes the gateway writes: a device config with components, and a component config. */
const SAMPLES = [
  {
    device: { identifiers: [`${NODE}_pbx`] },
    availability: [{ topic: '3cx2mqtt/bridge/state' }],
    components: {
      missed_count: {
        platform: 'sensor',
        unique_id: `${NODE}_pbx_missed_count`,
        availability: [{ topic: '3cx2mqtt/pbx/availability' }],
      },
    },
  },
  {
    unique_id: `${NODE}_extension_101_presence`,
    availability: [{ topic: '3cx2mqtt/bridge/state' }, { topic: '3cx2mqtt/pbx/availability' }],
  },
];

const payloads: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(...SAMPLES)
      .chain(mutatedJson)
      .map((v) => JSON.stringify(v) ?? ''),
  },
  { weight: 2, arbitrary: fc.constantFrom(...SAMPLES).chain((s) => mutatedText(JSON.stringify(s))) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: binaryPayload.map((b) => b.toString('utf8')) },
  { weight: 1, arbitrary: hostileString },
);

const strings = (values: unknown) => Array.isArray(values) && values.every((v) => typeof v === 'string');

describe('fuzz: retained discovery configs from the broker', () => {
  it('unique ids and availability topics: strings or nothing, never a throw', async (t: TestContext) => {
    await fuzz(
      t,
      'retained discovery payloads',
      fc.property(payloads, (payload) => {
        if (!strings(uniqueIdsOf(payload))) throw new Error('unique ids that are not strings');
        if (!strings(availabilityTopicsOf(payload))) throw new Error('topics that are not strings');
      }),
      { timeMs: 1500, examples: [['null'], ['{"components":{"a":null}}'], ['{"availability":"x"}']] },
    );
  });

  it('a topic is our own only below the prefix, with our node id, ending in /config', async (t: TestContext) => {
    const segment = fc.oneof(
      fc.constantFrom(
        'homeassistant',
        'sensor',
        'device',
        NODE,
        `${NODE}_pbx`,
        'other_pbx',
        'config',
        '',
        '+',
        '#',
      ),
      fc.string({ maxLength: 12 }),
    );
    await fuzz(
      t,
      'retained discovery topics',
      fc.property(fc.array(segment, { maxLength: 6 }), (parts) => {
        const topic = parts.join('/');
        if (!isOwnDiscoveryTopic(CTX, topic)) return;
        if (!topic.startsWith(`${CTX.prefix}/`) || !topic.endsWith('/config') || !topic.includes(NODE))
          throw new Error(`took ${JSON.stringify(topic)} for our own`);
      }),
      { timeMs: 1000 },
    );
  });
});
