import { launchTs } from '../harness/processes.ts';
import type { ScenarioContext } from './types.ts';

/** Scenario 8: routing decisions per second of CPU on one core, and per second of wall time. */
export interface RouterResult {
  calls: number;
  perCpuSecond: number;
  perWallSecond: number;
}

/** Runs `route()` over typical keys in a process pinned to the server core. */
export async function runRouter(ctx: ScenarioContext): Promise<RouterResult> {
  const seconds = ctx.settings.routerSeconds;
  ctx.log(`routing decisions for ${seconds} CPU-seconds on one core`);
  const child = await launchTs(ctx.layout.serverCore, 'servers/router-rate.ts', [String(seconds)]);
  const [line] = await child.waitForOutput(/^\{"calls".*\}$/m, (seconds * 20 + 30) * 1000);
  await child.exited;
  const { calls, perCpuSecond, perWallSecond } = JSON.parse(line) as RouterResult;
  return { calls, perCpuSecond, perWallSecond };
}
