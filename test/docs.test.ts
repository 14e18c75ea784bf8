// The documentation generated from code is committed as generated: docs/topics.md matches `npm run docs`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { topicReference } from '../src/docs/topic-reference.ts';

it('docs/topics.md is what the code generates (run `npm run docs`)', () => {
  assert.equal(readFileSync(new URL('../docs/topics.md', import.meta.url), 'utf8'), topicReference());
});

it('the documented call fields are exactly the ones the gateway publishes, in order', async () => {
  const { SAMPLE_CALL_FIELDS } = await import('../src/docs/topic-reference.ts');
  const { CallService } = await import('../src/gateway/call-service.ts');
  const { CallStore } = await import('../src/store/database.ts');
  const { createLogger } = await import('../src/log.ts');
  const store = new CallStore(':memory:');
  const fields = new CallService({
    store,
    timeZone: 'UTC',
    vip: [],
    recentLimit: 1,
    missedLimit: 1,
    publicUrl: 'http://x',
    log: createLogger('silent'),
  }).pbxFields();
  assert.deepEqual(Object.keys(SAMPLE_CALL_FIELDS), Object.keys(fields));
  store.close();
});

it('docs/configuration.md is what the schema generates (run `npm run docs`)', async () => {
  const { configReference } = await import('../src/docs/config-reference.ts');
  assert.equal(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8'), configReference());
});
