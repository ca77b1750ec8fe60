import { describe, expect, it } from 'vitest';
import { ArtifactIntegrityError } from './artifact-cache.ts';
import { SessionCreateError, safeLoadReason, scrub, WarmupFailedError } from './load-failure.ts';

const REGISTERED = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

describe('safeLoadReason', () => {
  it.each([
    [
      'a digest mismatch names the registered digest only',
      new ArtifactIntegrityError('m@1', REGISTERED, OTHER),
      `its artifact failed sha256 verification (registered sha256 ${REGISTERED})`,
    ],
    [
      'a failing registered warm-up keeps the runtime message',
      new WarmupFailedError('m@1', "Non-zero status code returned while running Pad node. Name:'pad_0'"),
      "its registered warm-up request failed: Non-zero status code returned while running Pad node. Name:'pad_0'",
    ],
    [
      'a session ONNX Runtime refused, without the file it was read from',
      new SessionCreateError(
        'm@1',
        'Load model from /var/lib/modelplane/artifacts/x.onnx failed: Protobuf parsing failed',
      ),
      'ONNX Runtime could not create a session: Load model from <path> failed: Protobuf parsing failed',
    ],
  ])('%s', (_label, error, expected) => {
    expect(safeLoadReason(error, REGISTERED)).toBe(expected);
  });
});

describe('scrub', () => {
  it.each([
    ['https://user:pw@models.internal:8443/recs.onnx?sig=1 answered 404', '<uri> answered 404'],
    ['connect ECONNREFUSED 10.0.0.7:8000', 'connect ECONNREFUSED <host>'],
    ['backend models.internal:8000 is down', 'backend <host> is down'],
    ['ENOENT: no such file, open "/home/ops/models/vad.onnx"', 'ENOENT: no such file, open "<path>"'],
    [`expected ${REGISTERED}, got ${OTHER}`, `expected ${REGISTERED}, got <digest>`],
    ['shape {1,1} and 3/4 of the input', 'shape {1,1} and 3/4 of the input'],
  ])('%s', (text, expected) => {
    expect(scrub(text, REGISTERED)).toBe(expected);
  });

  it('bounds the length', () => {
    expect(scrub('x'.repeat(1000)).length).toBeLessThanOrEqual(303);
  });
});
