import type { WarmupRequest } from '@modelplane/schemas';
import { WarmupFailedError } from './load-failure.ts';
import { zerosFor } from './onnx-tensors.ts';
import type { Tensor, TensorMeta } from './types.ts';

/**
 * Warms a new session so the first real request does not pay for lazy initialisation. A registered
 * warm-up request must succeed: it throws {@link WarmupFailedError} otherwise. Without one, zeros
 * with every variable dim set to 1 are tried; real models often refuse those (a one-sample audio
 * frame), so that failure is returned as a warning and the version serves: real requests decide.
 */
export async function warmUp(
  run: (inputs: Tensor[]) => Promise<unknown>,
  inputs: readonly TensorMeta[],
  warmup: WarmupRequest | null | undefined,
  ref: string,
): Promise<string | null> {
  if (warmup) {
    try {
      // Checked against the signature at registration; the runner validates it again.
      await run(warmup.inputs as Tensor[]);
      return null;
    } catch (error) {
      throw new WarmupFailedError(ref, messageOf(error));
    }
  }
  try {
    await run(inputs.map(zerosFor));
    return null;
  } catch (error) {
    return `the warm-up with zeros (variable dims set to 1) failed: ${messageOf(error)}`;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
