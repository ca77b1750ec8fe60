import { RECS_INSTANCE, type Stack } from './stack.ts';

/**
 * Sends `count` predictions of `recs` with fresh routing keys and reports an outcome for each (every
 * third converts), as a product would: the compare screen then has conversions to compare.
 */
export async function sendConvertingTraffic(stack: Stack, count: number): Promise<void> {
  const run = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  for (let start = 0; start < count; start += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - start) }, async (_, offset) => {
        const i = start + offset;
        const response = await fetch(`${stack.dataPlaneUrl}/v1/models/recs:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-routing-key': `buyer-${run}-${i}` },
          body: JSON.stringify({ instances: [RECS_INSTANCE] }),
        });
        if (!response.ok) throw new Error(`predict answered ${response.status}: ${await response.text()}`);
        const { requestId } = (await response.json()) as { requestId: string };
        const feedback = await fetch(`${stack.dataPlaneUrl}/v1/feedback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ requestId, outcome: i % 3 === 0 }),
        });
        if (feedback.status !== 202) throw new Error(`feedback answered ${feedback.status}`);
      }),
    );
  }
}
