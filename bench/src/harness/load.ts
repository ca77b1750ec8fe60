import type { LoadResult, LoadSpec } from '../load/load-spec.ts';
import { launchTs } from './processes.ts';

const RESULT_LINE = /^\{"requests".*\}$/m;

/**
 * Runs the load generator in its own process on `core` and returns what it measured. A worker that
 * exits without a result throws with the tail of its output.
 */
export async function runLoad(core: number | null, spec: LoadSpec): Promise<LoadResult> {
  const worker = await launchTs(core, 'load/load-worker.ts', [JSON.stringify(spec)]);
  const timeoutMs = (spec.durationS + (spec.timeoutS ?? 10) + 30) * 1000;
  const [line] = await worker.waitForOutput(RESULT_LINE, timeoutMs);
  await worker.exited;
  return JSON.parse(line) as LoadResult;
}
