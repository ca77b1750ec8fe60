import { EventEmitter } from 'node:events';

/** Loaded versions at one instant, split by whether routing sends them traffic. */
export interface LoadedCount {
  /** In the routing tables (or warming for them): never evicted. */
  routed: number;
  /** Loaded because a caller pinned them: evicted least recently used first. */
  onDemand: number;
}

/** Why a batch left the queue: it reached maxBatchSize, or its oldest request reached maxDelayMs. */
export type FlushReason = 'full' | 'timer';

/** One batched `session.run`, as recorded when it was flushed. */
export interface BatchFlush {
  /** `name@version`. */
  version: string;
  requests: number;
  rows: number;
  reason: FlushReason;
  /** How long the oldest request in the batch waited for companions. */
  waitedMs: number;
  maxDelayMs: number;
}

/** How one attempt at a remote backend ended. */
export type CallOutcome =
  | 'ok'
  | 'connect-error'
  | 'unavailable'
  | 'http-error'
  | 'timeout'
  | 'invalid-response';

/** One HTTP attempt at a remote backend (a retry is a second record with attempt 2). */
export interface BackendCall {
  /** The backend URL as registered (no credentials: the schema forbids them). */
  endpoint: string;
  version: string;
  attempt: number;
  outcome: CallOutcome;
  /** HTTP status, when the backend answered. */
  status?: number;
  latencyMs: number;
}

/** A warm-up that failed: with zeros (a warning, the version serves) or the registered request (it does not). */
export interface WarmupFailure {
  model: string;
  /** The version label. */
  version: string;
  request: 'zeros' | 'registered';
}

/** Why a prediction was turned away before (or instead of) running. */
export type ShedReason = 'queue-full' | 'queue-timeout' | 'breaker-open' | 'event-loop-lag' | 'heap';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** A breaker changed state. */
export interface BreakerTransition {
  endpoint: string;
  from: BreakerState;
  to: BreakerState;
}

/** One shed request. `version` is absent for replica-wide guards (event-loop lag, heap). */
export interface Shed {
  reason: ShedReason;
  version?: string;
}

/** Per-version admission gauges at one instant. */
export interface AdmissionGauge {
  version: string;
  inFlight: number;
  queued: number;
}

/** One in-process execution (an ONNX session run, batched or not), timed from the caller's side. */
export interface LocalRun {
  version: string;
  /** `skipped`: the deadline passed before the run started, so nothing ran. */
  outcome: 'ok' | 'error' | 'skipped';
  latencyMs: number;
}

interface StatsEvents {
  batch: [BatchFlush];
  call: [BackendCall];
  run: [LocalRun];
  breaker: [BreakerTransition];
  shed: [Shed];
  retry: [{ endpoint: string; version: string; allowed: boolean }];
  warmupFailure: [WarmupFailure];
  evict: [{ version: string }];
}

/** Monotonic counters since start; metrics exporters read these and never reset them. */
export interface StatsCounters {
  batches: Record<FlushReason, number>;
  batchedRequests: number;
  calls: Record<CallOutcome, number>;
  retries: number;
  retriesDenied: number;
  shed: Record<ShedReason, number>;
  /** Pinned versions evicted to stay within MAX_LOADED_VERSIONS. */
  evictions: number;
}

/**
 * The backends' telemetry surface (for /metrics and logs). Counters are always current; each event
 * is also emitted, so an exporter can build histograms (batch sizes, backend latency) without this
 * module knowing about any metrics library. Gauges are read through the registered sources.
 */
export class BackendStats extends EventEmitter<StatsEvents> {
  readonly counters: StatsCounters = {
    batches: { full: 0, timer: 0 },
    batchedRequests: 0,
    calls: { ok: 0, 'connect-error': 0, unavailable: 0, 'http-error': 0, timeout: 0, 'invalid-response': 0 },
    retries: 0,
    retriesDenied: 0,
    shed: {
      'queue-full': 0,
      'queue-timeout': 0,
      'breaker-open': 0,
      'event-loop-lag': 0,
      heap: 0,
    },
    evictions: 0,
  };
  #admission: () => AdmissionGauge[] = () => [];
  #breakers: () => Array<{ endpoint: string; state: BreakerState }> = () => [];
  #loaded: () => LoadedCount = () => ({ routed: 0, onDemand: 0 });

  recordBatch(flush: BatchFlush): void {
    this.counters.batches[flush.reason] += 1;
    this.counters.batchedRequests += flush.requests;
    this.emit('batch', flush);
  }

  recordCall(call: BackendCall): void {
    this.counters.calls[call.outcome] += 1;
    this.emit('call', call);
  }

  recordRun(run: LocalRun): void {
    this.emit('run', run);
  }

  recordRetry(endpoint: string, version: string, allowed: boolean): void {
    if (allowed) this.counters.retries += 1;
    else this.counters.retriesDenied += 1;
    this.emit('retry', { endpoint, version, allowed });
  }

  recordBreaker(transition: BreakerTransition): void {
    this.emit('breaker', transition);
  }

  recordWarmupFailure(failure: WarmupFailure): void {
    this.emit('warmupFailure', failure);
  }

  recordShed(shed: Shed): void {
    this.counters.shed[shed.reason] += 1;
    this.emit('shed', shed);
  }

  /** Executions in flight and queued, per version that has any admission state. */
  admission(): AdmissionGauge[] {
    return this.#admission();
  }

  /** A pinned version was evicted to stay within MAX_LOADED_VERSIONS. */
  recordEviction(version: string): void {
    this.counters.evictions += 1;
    this.emit('evict', { version });
  }

  /** Versions with a loaded (or loading) session, routed and on demand. */
  loaded(): LoadedCount {
    return this.#loaded();
  }

  /** Every known endpoint's breaker state. */
  breakers(): Array<{ endpoint: string; state: BreakerState }> {
    return this.#breakers();
  }

  /** Wiring only: the admission controller and the breaker registry register their readers here. */
  setSources(sources: {
    admission?: () => AdmissionGauge[];
    breakers?: () => Array<{ endpoint: string; state: BreakerState }>;
    loaded?: () => LoadedCount;
  }): void {
    if (sources.admission) this.#admission = sources.admission;
    if (sources.loaded) this.#loaded = sources.loaded;
    if (sources.breakers) this.#breakers = sources.breakers;
  }
}
