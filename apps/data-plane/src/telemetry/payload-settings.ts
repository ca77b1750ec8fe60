import { type DB, listPayloadLogging } from '@modelplane/db';
import { BUCKET_COUNT, bucketOf } from '@modelplane/router';
import type { Kysely } from 'kysely';
import type { BufferLogger } from './batch-buffer.ts';

/** The salt of the payload sample: independent of every route's assignment salt. */
const SAMPLE_SALT = 'modelplane-payload-sample';

/**
 * Which models store request and response payloads, re-read from Postgres every `refreshMs`. It is
 * a logging setting, so a few seconds' delay is fine and it needs no bus message; an outage keeps
 * the last settings.
 */
export class PayloadSettings {
  #settings = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  readonly #db: Kysely<DB>;
  readonly #logger: BufferLogger;
  #failing = false;

  constructor(db: Kysely<DB>, refreshMs: number, logger: BufferLogger) {
    this.#db = db;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.refresh(), refreshMs);
    this.#timer.unref();
  }

  async refresh(): Promise<void> {
    try {
      const rows = await listPayloadLogging(this.#db);
      this.#settings = new Map(rows.filter((r) => r.enabled).map((r) => [r.model, r.sampleRate]));
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) {
        this.#logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'payload settings refresh failed',
        );
      }
      this.#failing = true;
    }
  }

  /** Every failure of a model with payload logging on, and a deterministic sample (by request id) of the rest. */
  wants(model: string, requestId: string, failed: boolean): boolean {
    const rate = this.#settings.get(model);
    if (rate === undefined) return false;
    return failed || bucketOf(SAMPLE_SALT, requestId) < rate * BUCKET_COUNT;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
