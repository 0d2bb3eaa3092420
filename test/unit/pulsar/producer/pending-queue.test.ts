// The ring-buffer FIFO behind the pending queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingQueue } from '../../../../src/pulsar/producer/pending-queue.ts';

test('keeps FIFO order and indexed access across growth and wrap-around', () => {
  const queue = new PendingQueue<number>();
  const model: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so the head wraps several times while the ring grows.
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < (round % 7) + 1; i++) {
      queue.push(next);
      model.push(next++);
    }
    for (let i = 0; i < round % 5; i++) assert.equal(queue.shift(), model.shift());
    assert.equal(queue.size, model.length);
    assert.equal(queue.peek(), model[0]);
    for (let i = 0; i < model.length; i += 13) assert.equal(queue.at(i), model[i]);
    assert.equal(queue.at(model.length), undefined);
    assert.equal(queue.at(-1), undefined);
  }
  assert.deepEqual(queue.drain(), model);
  assert.equal(queue.size, 0);
  assert.equal(queue.shift(), undefined);
  assert.equal(queue.peek(), undefined);
});
