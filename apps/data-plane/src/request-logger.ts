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

  /** A logger that is `logger` itself (its pino logger made already), with lazy children. */
  static over(logger: FastifyBaseLogger): RequestLogger {
    const over = new RequestLogger(logger, {}, {});
    over.#child = logger;
    return over;
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

  /**
   * Still lazy: the child's pino logger is made on first use, over this one's if that exists
   * already, else over the same parent with the bindings merged. Fastify's own logger is one of
   * these (it takes a child of the app's logger at start), and once the app has logged anything,
   * each request's logger is a child of it: that must not make a pino logger per request.
   */
  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    if (this.#child) return new RequestLogger(this.#child, bindings, options ?? {});
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

/**
 * The app's logger: `root` itself for what is logged outside a request, and a lazy request logger
 * as each child. It is given to Fastify as the `loggerInstance`, with Fastify's default child
 * factory: Fastify checks a custom `childLoggerFactory`'s result on every request (reading seven
 * methods by name and building a list), and the default one's not at all. It is a request logger
 * whose pino logger is `root` from the start, so everything it logs goes to `root` unchanged.
 */
export function appLogger(root: FastifyBaseLogger): FastifyBaseLogger {
  return RequestLogger.over(root);
}
