// The documentation generated from code is committed as generated: docs/topics.md matches `npm run docs`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { topicReference } from '../src/docs/topic-reference.ts';

it('docs/topics.md is what the code generates (run `npm run docs`)', () => {
  assert.equal(readFileSync(new URL('../docs/topics.md', import.meta.url), 'utf8'), topicReference());
});
