// `pnpm bench:ab --variant base=apps/data-plane/dist/main.js --variant mine=/tmp/other/main.js`:
// server CPU per request of two or more builds of the data plane (or one build under different
// settings) on the same load, measured in interleaved rounds and compared within each round. On a
// noisy machine this is how a change of a few µs per request is told from the noise before it
// goes into `pnpm bench`. It only prints; nothing is written to docs/ or bench/results/.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { detectCores } from '../harness/cores.ts';
import type { HttpTarget } from '../harness/measure.ts';
import { median } from '../harness/median.ts';
import { stopProcess, stopStarted } from '../harness/processes.ts';
import { openEnvironment } from '../infra/environment.ts';
import { registerRecsModels } from '../infra/models.ts';
import { startFloorServer, startOnnxServer } from '../infra/reference-servers.ts';
import { runHttpTargets } from '../scenarios/http-runner.ts';
import type { BenchSettings } from '../scenarios/types.ts';
import { CommandLine } from './command-line.ts';
import { type ProfiledServer, profileTables } from './profiles.ts';
import { cpuDifference } from './variants.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    variant: { type: 'string', multiple: true },
    load: { type: 'string', default: 'inference' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    onnx: { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    rate: { type: 'string' },
    'cpu-prof': { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const cli = new CommandLine('bench:ab');
const load = cli.load(values.load, ['inference', 'hit', 'miss']);
const rounds = cli.count('rounds', values.rounds, 1);
const durationS = cli.count('duration', values.duration, 1);
const warmupS = cli.count('warmup', values.warmup, 0);
// `--rate N`: every server gets the same N requests a second instead of as many as it can answer.
const rate = values.rate === undefined ? undefined : cli.count('rate', values.rate, 1);
/** How every server measured is loaded: 32 connections, at `--rate` when given. */
const loadShape = { connections: 32, ...(rate !== undefined && { rate }) };
const variants = cli.variants(values.variant);
cli.requireSome(variants);

// `--cpu-prof DIR`: every server measured writes a `.cpuprofile` into DIR when it is stopped.
const profileDir = values['cpu-prof'];
// `--fresh`: every data plane is started anew before each of its rounds. Two processes of one build
// can differ by several µs per request for their whole life (memory layout, JIT decisions); with a
// process per round that difference is spread over the rounds instead of staying with one variant.
const fresh = values.fresh;
if (fresh && profileDir) cli.fail('--fresh and --cpu-prof cannot be combined (a profile is per process)');
const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];

const layout = detectCores();
console.log(
  `${layout.description}\nload: ${load.what}; ${rounds} rounds of ${warmupS} s warm-up + ${durationS} s`,
);
const env = await openEnvironment(layout);
// Each measured server's pid (naming its profile) and bundle, for `--cpu-prof`'s table.
const servers: ProfiledServer[] = [];
try {
  const recs = await registerRecsModels(env.admin);
  const targets: HttpTarget[] = [];
  for (const [i, variant] of variants.entries()) {
    const start = () =>
      env.startDataPlane({
        core: layout.serverCore,
        main: variant.main,
        env: variant.env,
        nodeArgs: [...nodeArgs, ...variant.nodeArgs],
      });
    let app = await start();
    const predictUrl = () => `${app.url}/v1/models/${load.model}:predict`;
    let roundsBegun = 0;
    const target: HttpTarget = {
      id: variant.name,
      label: variant.name,
      ...(fresh && {
        beforeRound: async () => {
          // The process started above serves the first round; each later round gets a new one.
          roundsBegun += 1;
          if (roundsBegun === 1) return;
          await stopProcess(app.process);
          app = await start();
          target.load.url = predictUrl();
        },
      }),
      load: {
        url: predictUrl(),
        headers: { authorization: `Bearer ${env.predictToken}` },
        ...loadShape,
        // Each variant its own inputs, so no build answers from entries another one stored in Redis.
        bodies: load.pool ? { kind: 'pool', size: 64 } : { kind: 'distinct', offset: (i + 1) * 100_000_000 },
      },
      cpu: { server: () => [app.process.pid] },
    };
    targets.push(target);
    servers.push({ id: variant.name, pid: app.process.pid, main: variant.main, rounds: [] });
  }
  if (values.onnx) {
    const onnx = await startOnnxServer(layout.serverCore, recs, { nodeArgs });
    targets.push({
      id: 'onnx-minimal',
      label: 'minimal Fastify + ONNX session',
      load: {
        url: `${onnx.url}/predict`,
        headers: {},
        ...loadShape,
        bodies: { kind: 'distinct', offset: 0 },
      },
      cpu: { server: () => [onnx.process.pid] },
    });
    servers.push({ id: 'onnx-minimal', pid: onnx.process.pid, rounds: [] });
  }
  if (values.floor) {
    const floor = await startFloorServer(layout.serverCore, { nodeArgs });
    targets.push({
      id: 'http-floor',
      label: 'bare Fastify echo',
      load: {
        url: `${floor.url}/echo`,
        headers: {},
        ...loadShape,
        bodies: load.pool ? { kind: 'pool', size: 64 } : { kind: 'distinct', offset: 0 },
      },
      cpu: { server: () => [floor.process.pid] },
    });
    servers.push({ id: 'http-floor', pid: floor.process.pid, rounds: [] });
  }
  const settings: BenchSettings = {
    mode: 'full',
    warmupS,
    durationS,
    rounds,
    connections: loadShape.connections,
    // Settings of scenarios this tool does not run.
    batchingConnections: 64,
    propagationChanges: 0,
    convergenceTrials: 0,
    reconcileIntervalMs: 1000,
    routerSeconds: 0,
  };
  const results = await runHttpTargets({ env, layout, settings, log: console.log }, targets);
  for (const server of servers) server.rounds = results.get(server.id)?.rounds ?? [];
  const baseline = results.get(targets[0]?.id ?? '');
  console.log(`\nserver CPU µs per request, each round, and minus ${targets[0]?.id} within the round:`);
  for (const [id, m] of results) {
    const cpu = m.rounds.map((r) => r.serverCpuUs);
    const diff = baseline ? cpuDifference(m.rounds, baseline.rounds) : null;
    console.log(
      `${id.padEnd(16)} ${cpu.map((us) => us.toFixed(0).padStart(4)).join(' ')}  median ${median(cpu).toFixed(0).padStart(4)}` +
        (diff && m !== baseline
          ? `   minus: ${diff.perRound.map((us) => us.toFixed(0)).join(' ')}  median ${diff.median.toFixed(0)}`
          : ''),
    );
  }
} finally {
  // Stopping the servers is what makes them write their profiles.
  await env.close();
  await stopStarted();
}
if (profileDir) {
  console.log(
    `\nwhere the time goes, measured runs only (profiles in ${resolve(profileDir)}); stages are sampled` +
      ' main-thread time, which exceeds CPU time when other work on the machine delays the process:',
  );
  console.log(await profileTables(resolve(profileDir), servers));
}
process.exit(0);
