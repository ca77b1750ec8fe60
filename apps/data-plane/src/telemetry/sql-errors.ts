/**
 * SQLSTATE classes of errors caused by the rows a statement carries, not by the database being
 * away: data exceptions (22: a value the type refuses), integrity violations (23) and program
 * limits (54: a value or a statement too large). Splitting the batch isolates such rows; every
 * other error (connection, timeout, shutdown, lock) is retried with the batch as it was.
 */
const ROW_CLASSES = new Set(['22', '23', '54']);

/** True when `error` is a database error a smaller batch (without some row) could avoid. */
export function isRowRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && ROW_CLASSES.has(code.slice(0, 2));
}
