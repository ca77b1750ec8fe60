/** The logger surface routing uses; pino satisfies it. */
export interface RoutingLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Discards everything: the default when no logger is given. */
export const silentLogger: RoutingLogger = { info() {}, warn() {}, error() {} };

/** A message fit for logs and heartbeats from anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
