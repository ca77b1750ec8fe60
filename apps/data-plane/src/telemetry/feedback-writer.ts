import { type DB, type FeedbackInput, insertFeedback } from '@modelplane/db';
import type { FeedbackRequest } from '@modelplane/schemas';
import type { Kysely } from 'kysely';
import { timeOrderedUuid } from '../request-id.ts';
import { BatchBuffer, type BufferLogger } from './batch-buffer.ts';
import { isRowRefusal } from './sql-errors.ts';

/** Bounds and cadence of the feedback buffer. */
export interface FeedbackOptions {
  maxRows: number;
  batchRows: number;
  flushIntervalMs: number;
}

export const DEFAULT_FEEDBACK_OPTIONS: FeedbackOptions = {
  maxRows: 20_000,
  batchRows: 1000,
  flushIntervalMs: 1000,
};

/**
 * Accepted feedback on its way to Postgres. Experiments depend on it, so when the buffer is full
 * it refuses new feedback (the caller gets 503 and retries) instead of dropping any.
 */
export class FeedbackWriter {
  readonly buffer: BatchBuffer<FeedbackInput>;
  readonly #replicaId: string;

  constructor(db: Kysely<DB>, replicaId: string, options: FeedbackOptions, logger: BufferLogger) {
    this.#replicaId = replicaId;
    this.buffer = new BatchBuffer<FeedbackInput>({
      name: 'feedback',
      ...options,
      maxBytes: options.maxRows * 512,
      whenFull: 'reject',
      sizeOf: (row) => 200 + row.requestId.length,
      write: (batch) => insertFeedback(db, batch),
      isPoison: isRowRefusal,
      logger,
    });
  }

  /** Queues the feedback; false when the buffer is full (nothing was kept). */
  accept(feedback: FeedbackRequest): boolean {
    const conversion = typeof feedback.outcome === 'boolean';
    const receivedAt = new Date();
    return this.buffer.push({
      // Time-ordered like request ids: the table's primary-key inserts land at its index's right edge.
      id: timeOrderedUuid(receivedAt.getTime()),
      requestId: feedback.requestId,
      model: feedback.model ?? null,
      kind: conversion ? 'conversion' : 'value',
      value: conversion ? (feedback.outcome ? 1 : 0) : (feedback.outcome as number),
      receivedAt,
      replicaId: this.#replicaId,
    });
  }
}
