// `pnpm bench`: every scenario, its table on stdout, JSON in bench/results/, docs/benchmarks.md.
// `pnpm bench --smoke` runs the short CI settings, `--only=router,serving` limits the run, and
// `--cpu-prof` profiles the serving data plane (into the printed directory); those only print.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detectCores } from './harness/cores.ts';
import { stopStarted } from './harness/processes.ts';
import { renderMarkdown } from './report/markdown.ts';
import { writeDocs, writeResults } from './report/write.ts';
import { runBench, SCENARIO_GROUPS, type ScenarioGroup } from './run.ts';
import { FULL_SETTINGS, SMOKE_SETTINGS } from './settings.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { smoke: { type: 'boolean' }, only: { type: 'string' }, 'cpu-prof': { type: 'boolean' } },
});
const groups = values.only?.split(',').map((g) => g.trim()) ?? [...SCENARIO_GROUPS];
const unknown = groups.filter((g) => !(SCENARIO_GROUPS as readonly string[]).includes(g));
if (unknown.length > 0) {
  console.error(`--only: unknown group ${unknown.join(', ')} (known: ${SCENARIO_GROUPS.join(', ')})`);
  process.exit(2);
}
const profileDir = values['cpu-prof'] ? mkdtempSync(join(tmpdir(), 'modelplane-bench-prof-')) : undefined;
const complete = !values.smoke && values.only === undefined && !profileDir;
const command = [
  'pnpm bench',
  values.smoke ? '--smoke' : '',
  values.only ? `--only=${values.only}` : '',
  profileDir ? '--cpu-prof' : '',
]
  .filter(Boolean)
  .join(' ');

// Ctrl-C or a kill still stops what the run started; the database is dropped by runBench's cleanup
// only if it gets to run, so signals wait for it.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`${signal}: stopping the processes the bench started`);
    void stopStarted();
  });
}

const report = await runBench({
  settings: values.smoke ? SMOKE_SETTINGS : FULL_SETTINGS,
  layout: detectCores(),
  command,
  groups: groups as ScenarioGroup[],
  ...(profileDir && { profileDir }),
  log: (message) => console.log(message),
});
console.log(`\n${renderMarkdown(report)}`);
if (profileDir) console.log(`data-plane CPU profile: ${profileDir}`);
// Only a complete run is a result worth keeping; smoke, partial and profiling runs just print.
if (complete) {
  const path = await writeResults(report);
  await writeDocs(report, path);
  console.log(`results: ${path}\ndocs/benchmarks.md updated`);
}
process.exit(report.failures.length > 0 ? 1 : 0);
