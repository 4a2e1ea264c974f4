import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/stages/common/bounded-queue';
import { SerialQueue } from '../../src/stages/common/serial-queue';
import { sleep } from './fakes';

describe('stages/bounded queues', () => {
  it('drop-oldest evicts the oldest items, counts them and never exceeds capacity', async () => {
    const dropped: number[] = [];
    const q = new BoundedQueue<number>(3, 'drop-oldest', (x) => dropped.push(x));
    for (let i = 0; i < 10; i++) await q.push(i);
    assert.deepEqual(q.take(10), [7, 8, 9]);
    assert.deepEqual(dropped, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(q.droppedCount, 7);
    assert.equal(q.maxLength, 3);
  });

  it('block makes the producer wait until the consumer takes', async () => {
    const q = new BoundedQueue<number>(2, 'block');
    await q.push(1);
    await q.push(2);
    let third = false;
    const p = q.push(3).then(() => { third = true; });
    await sleep(10);
    assert.equal(third, false);
    assert.deepEqual(q.take(1), [1]);
    await p;
    assert.equal(third, true);
    assert.equal(q.droppedCount, 0);
  });

  it('rejects a non-positive capacity', () => {
    assert.throws(() => new BoundedQueue<number>(0, 'block'), /capacity/);
  });

  it('serial queue handles items one at a time, in order, and survives a failing item', async () => {
    const done: number[] = [];
    const errors: number[] = [];
    let active = 0;
    let maxActive = 0;
    const q = new SerialQueue<number>(4, 'block', async (x) => {
      active++; maxActive = Math.max(maxActive, active);
      await sleep(2);
      active--;
      if (x === 2) throw new Error('boom');
      done.push(x);
    }, (_e, x) => errors.push(x));
    for (let i = 0; i < 6; i++) await q.push(i);
    await q.idle();
    assert.deepEqual(done, [0, 1, 3, 4, 5]);
    assert.deepEqual(errors, [2]);
    assert.equal(maxActive, 1);
  });
});
