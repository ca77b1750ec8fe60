import type { RoutingLogger } from './logger.ts';
import { writeSnapshotFile } from './snapshot-file.ts';
import type { RoutingSnapshot } from './types.ts';

/** Persists snapshots off the request path, one write at a time, always ending on the newest. */
export interface SnapshotWriter {
  /** Queues `snapshot`; a snapshot queued while a write runs replaces any older queued one. */
  write(snapshot: RoutingSnapshot): void;
  /** Resolves once everything queued so far is on disk (or failed and was logged). */
  flush(): Promise<void>;
}

/** A writer for `<dataDir>/routing-snapshot.json`; failures are logged, never thrown. */
export function createSnapshotWriter(dataDir: string, logger: RoutingLogger): SnapshotWriter {
  let queued: RoutingSnapshot | null = null;
  let running: Promise<void> | null = null;

  const drain = async () => {
    while (queued !== null) {
      const next = queued;
      queued = null;
      try {
        await writeSnapshotFile(dataDir, next);
      } catch (err) {
        // Serving never depends on the disk copy; the next change tries again.
        logger.warn({ err, dataDir }, 'could not persist the routing snapshot');
      }
    }
    running = null;
  };

  return {
    write(snapshot) {
      queued = snapshot;
      running ??= drain();
    },
    async flush() {
      while (running) await running;
    },
  };
}
