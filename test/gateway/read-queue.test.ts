// The participant read queue: a bounded number in flight, one read per key however often it is asked for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadQueue } from '../../src/gateway/read-queue.ts';

describe('read queue', () => {
  it('runs at most N at once, reads a key asked for twice once, and drains', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const queue = new ReadQueue<number>(async (key) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      done.push(key);
    }, 3);
    for (let i = 0; i < 20; i++) queue.add(i % 10, 'dn');
    for (let waited = 0; (done.length < 13 || running > 0) && waited < 2000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(most, 3);
    // 0, 1, 2 were being read when asked for again: read again (they may have changed); 3–9 were still waiting: once.
    assert.deepEqual(
      [...done].sort((a, b) => a - b),
      [0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(queue.size, 0);
  });
});
