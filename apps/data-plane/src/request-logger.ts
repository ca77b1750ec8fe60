import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type LogMethod = (...args: unknown[]) => void;

/**
 * A request's logger that makes its pino child (bound to the request id) only when something is
 * logged. Fastify's default makes one per request, and almost no successful prediction logs
 * anything, so the child's cost (copying and serializing the bindings) bought nothing.
 */
class RequestLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: object;
  #child: FastifyBaseLogger | null = null;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: object) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  /** Still lazy: the bindings are merged and the pino child is made on first use. */
  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    if (this.#child) return this.#child.child(bindings, options);
    return new RequestLogger(this.#parent, { ...this.#bindings, ...bindings }, options ?? this.#options);
  }

  fatal(...args: unknown[]): void {
    (this.#logger().fatal as LogMethod)(...args);
  }
  error(...args: unknown[]): void {
    (this.#logger().error as LogMethod)(...args);
  }
  warn(...args: unknown[]): void {
    (this.#logger().warn as LogMethod)(...args);
  }
  info(...args: unknown[]): void {
    (this.#logger().info as LogMethod)(...args);
  }
  debug(...args: unknown[]): void {
    (this.#logger().debug as LogMethod)(...args);
  }
  trace(...args: unknown[]): void {
    (this.#logger().trace as LogMethod)(...args);
  }
  silent(...args: unknown[]): void {
    (this.#logger().silent as LogMethod)(...args);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, its pino child made on first use. */
export function lazyChildLogger(
  this: unknown,
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: object,
): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options);
}
