/**
 * The small protocol between the bench runner and the processes it starts. Every server child reports its port once
 * it listens and answers `stats` requests with its own CPU time and RSS, so the runner measures each server's cost
 * without reading another process's counters.
 */
import type { Server } from 'node:http';
import { getHeapStatistics } from 'node:v8';

export interface ServerStats {
  /** process.cpuUsage() user + system, in microseconds. */
  cpuMicros: number;
  rssBytes: number;
  /** V8 heap in use plus memory outside it (buffers), after a GC when one was asked for: what live objects hold. */
  heldBytes: number;
  /** V8's heap as the OS sees it (pages committed) and the part live objects use: RSS beyond both is native memory. */
  heapCommittedBytes: number;
  heapUsedBytes: number;
}

export type ToChild = { type: 'stats'; id: number; gc?: boolean } | { type: 'exit' };

export type FromServer = { type: 'ready'; port: number } | { type: 'stats'; id: number; stats: ServerStats };

/** Wires a listening server child to the runner: `ready` once listening, `stats` on demand, clean exit on request. */
export function reportToRunner(server: Server): void {
  const send = (message: FromServer) => process.send?.(message);
  process.on('message', (message: ToChild) => {
    if (message.type === 'exit') {
      // A normal exit (not a signal) so `--cpu-prof` writes its profile.
      server.closeAllConnections();
      process.exit(0);
    }
    if (message.type === 'stats') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (message.gc && gc) {
        gc();
      }
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const heap = getHeapStatistics();
      send({
        type: 'stats',
        id: message.id,
        stats: {
          cpuMicros: cpu.user + cpu.system,
          rssBytes: memory.rss,
          heldBytes: memory.heapUsed + memory.external,
          heapCommittedBytes: heap.total_physical_size,
          heapUsedBytes: heap.used_heap_size,
        },
      });
    }
  });
  // The runner died: do not linger.
  process.on('disconnect', () => process.exit(0));
  const address = server.address();
  if (address && typeof address === 'object') {
    send({ type: 'ready', port: address.port });
  }
}

/** Value at quantile q (0..1) of an ascending-sorted array. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
