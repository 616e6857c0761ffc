import { AbortedError, ApiError } from '../../errors';
import { SlotQueue } from './slot-queue';

describe('SlotQueue', () => {
  it('hands out free slots, then queues in FIFO order and passes released slots on', async () => {
    const queue = new SlotQueue(['a'], 5);
    const first = await queue.acquire();
    const order: string[] = [];
    const second = queue.acquire().then((slot) => order.push(`second:${slot}`));
    const third = queue.acquire().then((slot) => order.push(`third:${slot}`));
    expect(queue.waitingCount).toBe(2);
    queue.release(first);
    await second;
    queue.release('a');
    await third;
    expect(order).toEqual(['second:a', 'third:a']);
  });

  it('answers 503 model_overloaded beyond the queue limit', async () => {
    const queue = new SlotQueue(['a'], 1);
    await queue.acquire();
    void queue.acquire();
    const error = await queue.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).toBody().error).toMatchObject({ type: 'server_error', code: 'model_overloaded' });
  });

  it('drops a waiting request whose client went away', async () => {
    const queue = new SlotQueue(['a'], 2);
    const held = await queue.acquire();
    const controller = new AbortController();
    const waiting = queue.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(queue.waitingCount).toBe(0);
    queue.release(held);
    expect(queue.freeCount).toBe(1);
  });

  it('refuses an already aborted request without taking a slot', async () => {
    const queue = new SlotQueue(['a'], 2);
    await expect(queue.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
    expect(queue.freeCount).toBe(1);
  });
});
