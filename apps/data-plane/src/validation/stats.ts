/** Per-version validation counters, keyed by `model@version`. */
export interface VersionValidationCounters {
  /** Requests refused with 400 INVALID_INPUT by this version's schema or tensor signature. */
  inputRejected: number;
  /** Responses whose outputs failed the version's output schema (a model bug; still served, never cached). */
  outputInvalid: number;
}

/** Validation counters for the metrics endpoint; {@link snapshot} copies them. */
export class ValidationStats {
  readonly #versions = new Map<string, VersionValidationCounters>();

  count(ref: string, counter: keyof VersionValidationCounters): void {
    let counters = this.#versions.get(ref);
    if (counters === undefined) {
      counters = { inputRejected: 0, outputInvalid: 0 };
      this.#versions.set(ref, counters);
    }
    counters[counter] += 1;
  }

  snapshot(): Record<string, VersionValidationCounters> {
    return Object.fromEntries([...this.#versions].map(([ref, c]) => [ref, { ...c }]));
  }
}
