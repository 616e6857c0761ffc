import { stat } from 'node:fs';
import { yieldToIo } from './yield-to-io';

describe(yieldToIo.name, () => {
  it('should resolve, from an I/O callback, only in the second check phase after it (so the loop polls between)', async () => {
    const order: string[] = [];
    await new Promise<void>((done) => {
      // An I/O callback: the poll phase, where a body's last chunk or an upstream's answer arrives.
      stat(__filename, () => {
        setImmediate(() => {
          order.push('first check phase');
          setImmediate(() => order.push('second check phase'));
        });
        void yieldToIo().then(() => {
          order.push('resolved');
          done();
        });
      });
    });
    // One setImmediate would have resolved in the first check phase, before the loop polled for I/O again.
    expect(order).toEqual(['first check phase', 'second check phase', 'resolved']);
  });
});
