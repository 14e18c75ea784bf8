// Rows that come back unchanged keep their parsed value; anything that differs is parsed (and validated) again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XAPI_PARSERS } from '../../src/pbx/endpoints.ts';
import { PbxError } from '../../src/pbx/errors.ts';
import { RowReuse, sameRow } from '../../src/pbx/row-reuse.ts';

const user = (overrides: Record<string, unknown> = {}) => ({
  Id: 7,
  Number: '101',
  FirstName: 'Anna',
  LastName: 'Berg',
  DisplayName: 'Anna Berg',
  CurrentProfileName: 'Available',
  IsRegistered: true,
  QueueStatus: 'LoggedIn',
  ForwardingProfiles: [{ Name: 'Available' }, { Name: 'Away' }],
  ...overrides,
});

describe('row reuse', () => {
  it('keeps the parsed value of an unchanged row, parses a changed one, refuses a mistyped one', async () => {
    let parsed = 0;
    const reuse = new RowReuse((row: unknown) => {
      parsed++;
      return XAPI_PARSERS.Users(row);
    });
    const read = (rows: unknown[]) => reuse.read((parse) => Promise.resolve(rows.map(parse)));
    const [first] = await read([user()]);
    const [again] = await read([user()]);
    assert.equal(again, first, 'the same value, not parsed again');
    assert.equal(parsed, 1);
    assert.ok(Object.isFrozen(first), 'kept values cannot be changed in place');
    const [away] = await read([user({ CurrentProfileName: 'Away' })]);
    assert.equal(away!.presence, 'Away');
    const [profiles] = await read([
      user({ CurrentProfileName: 'Away', ForwardingProfiles: [{ Name: 'Lunch' }] }),
    ]);
    assert.ok(
      profiles!.profiles.includes('Lunch') && !profiles!.profiles.includes('Available'),
      'a change inside an expanded list counts',
    );
    assert.equal(parsed, 3);
    await assert.rejects(read([user({ IsRegistered: 'yes' })]), PbxError);
  });

  it('a failed read leaves the reference rows as they were', async () => {
    const reuse = new RowReuse(XAPI_PARSERS.Users);
    const [first] = await reuse.read((parse) => Promise.resolve([parse(user())]));
    await assert.rejects(
      reuse.read((parse) => {
        parse(user({ CurrentProfileName: 'Away' }));
        return Promise.reject(new Error('page 2 failed'));
      }),
    );
    const [after] = await reuse.read((parse) => Promise.resolve([parse(user())]));
    assert.equal(after, first);
  });

  it('compares JSON values: key sets, arrays, nested objects, volatile keys left out', () => {
    assert.ok(sameRow({ a: 1, b: [{ x: 1 }] }, { b: [{ x: 1 }], a: 1 }, []));
    assert.ok(!sameRow({ a: 1 }, { a: 1, b: null }, []));
    assert.ok(!sameRow({ a: [1, 2] }, { a: [1] }, []));
    assert.ok(!sameRow({ a: { x: 1 } }, { a: { y: 1 } }, []));
    assert.ok(!sameRow({ a: [] }, { a: {} }, []));
    assert.ok(sameRow({ a: 1, now: 'x' }, { a: 1, now: 'y' }, ['now']));
    assert.ok(
      !sameRow({ a: { b: { c: { d: {} } } } }, { a: { b: { c: { d: {} } } } }, []),
      'too deep: parsed in full',
    );
  });
});
