// `pnpm bench:instructions --variant base=apps/data-plane/dist/main.js --variant mine=...`: the
// machine instructions a data plane executes per request, counted by valgrind's callgrind. Unlike
// CPU time, the count hardly moves with whatever else the machine is doing, so a change of 1 % is
// visible in one run on a noisy machine. It is not time: cache misses, system calls and waking
// other processes cost time the count does not show, so a change that matters is confirmed with
// `pnpm bench:ab` and `pnpm bench`. It only prints.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CommandLine } from '../ab/command-line.ts';
import { detectCores } from '../harness/cores.ts';
import { stopProcess, stopStarted } from '../harness/processes.ts';
import type { AppProcess } from '../infra/apps.ts';
import { openEnvironment } from '../infra/environment.ts';
import { registerRecsModels } from '../infra/models.ts';
import { startOnnxServer } from '../infra/reference-servers.ts';
import { bodyMaker } from '../load/bodies.ts';
import { callgrindCompilerCost, callgrindSelfCosts, callgrindTotal } from './callgrind.ts';
import { jitSelfCosts, PerfMap } from './jit-names.ts';
import { sendRequests } from './requests.ts';

const run = promisify(execFile);

/**
 * V8's predictable mode (one thread: no concurrent compiler or GC threads; fixed seeds), and no
 * memory reducer: a process slowed down by valgrind would look idle to it and be collected more
 * often. Not `--predictable-gc-schedule`: its 4 MiB semi-spaces turn a replica's scavenges into
 * full collections it never runs in production.
 */
const PREDICTABLE = ['--predictable', '--no-memory-reducer'];
/** Starting node under valgrind takes minutes on a small machine. */
const START_TIMEOUT_MS = 600_000;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    variant: { type: 'string', multiple: true },
    load: { type: 'string', default: 'inference' },
    warmup: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '16' },
    onnx: { type: 'boolean', default: false },
    keep: { type: 'string' },
    'js-names': { type: 'boolean', default: false },
  },
});
const cli = new CommandLine('bench:instructions');
const load = cli.load(values.load, ['inference', 'hit']);
const warmup = cli.count('warmup', values.warmup, 0);
const requests = cli.count('requests', values.requests, 1);
const connections = cli.count('connections', values.connections, 1);
const variants = cli.variants(values.variant);
cli.requireSome(variants, values.onnx);

await run('valgrind', ['--version']).catch(() =>
  cli.fail('valgrind is not installed (apt-get install valgrind)'),
);

// `--keep DIR`: made now, so a run does not count for minutes and then fail to write its files.
const keepDir = values.keep === undefined ? undefined : resolve(values.keep);
if (keepDir) await mkdir(keepDir, { recursive: true });

// `--js-names`: V8 writes the address and name of everything it compiles to /tmp/perf-<pid>.map,
// which names the JIT-compiled code callgrind knows only by address.
const jsNames = values['js-names'];
const nodeFlags = jsNames ? [...PREDICTABLE, '--perf-basic-prof'] : PREDICTABLE;
/** How many of the costliest JIT-compiled functions `--js-names` prints per server. */
const JS_NAMES_SHOWN = 20;

const layout = detectCores();
console.log(
  `load: ${load.what}; ${warmup} requests to warm up, then ${requests} counted, ${connections} at a time; ` +
    `each server alone under valgrind --tool=callgrind, node ${PREDICTABLE.join(' ')}`,
);
const env = await openEnvironment(layout);
const results: { name: string; perRequest: number; outsideCompiler: number }[] = [];
/** The perf maps of the servers started (`--js-names`): removed at the end, whatever happened. */
const mapFiles: string[] = [];
try {
  const recs = await registerRecsModels(env.admin);
  /** Starts one server under callgrind, warms it up, counts `requests` of them and stops it. */
  const measure = async (
    name: string,
    start: (wrap: string[]) => Promise<AppProcess>,
    path: string,
    headers: Record<string, string>,
  ) => {
    const outFile = join(await env.tempDir(`callgrind-${name}`), 'callgrind.out');
    const app = await start(['valgrind', '--tool=callgrind', `--callgrind-out-file=${outFile}`]);
    // Under valgrind the guest keeps valgrind's pid, so V8 names its map after the process started.
    const mapFile = `/tmp/perf-${app.process.pid}.map`;
    if (jsNames) mapFiles.push(mapFile);
    const target = {
      url: `${app.url}${path}`,
      headers: { ...headers, 'content-type': 'application/json' },
      // Every server the same bodies, in the same order: the count compares servers, not inputs.
      body: bodyMaker(load.pool ? { kind: 'pool', size: 64 } : { kind: 'distinct', offset: 0 }),
      connections,
    };
    await sendRequests(target, 0, warmup);
    await run('callgrind_control', ['--zero', String(app.process.pid)]);
    const started = performance.now();
    const statuses = await sendRequests(target, warmup, requests);
    const seconds = (performance.now() - started) / 1000;
    await run('callgrind_control', ['--dump', String(app.process.pid)]);
    // Stopped at once: a server left running under valgrind would slow the next one down.
    await stopProcess(app.process);
    const counted = await readFile(`${outFile}.1`, 'utf8');
    // `--keep DIR`: the counts stay there, to be read function by function.
    if (keepDir) await writeFile(join(keepDir, `${name}.callgrind`), counted);
    const perRequest = callgrindTotal(counted) / requests;
    // The optimizing compiler's share varies from run to run (see the README): left out to compare.
    const outsideCompiler = perRequest - callgrindCompilerCost(counted) / requests;
    console.log(
      `  ${name}: ${(perRequest / 1000).toFixed(1)} k instructions per request, ` +
        `${(outsideCompiler / 1000).toFixed(1)} k outside the optimizing compiler ` +
        `(${requests} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(statuses)})`,
    );
    results.push({ name, perRequest, outsideCompiler });
    if (jsNames) await printJsNames(name, mapFile, counted);
  };
  for (const variant of variants) {
    await measure(
      variant.name,
      (wrap) =>
        env.startDataPlane({
          core: null,
          main: variant.main,
          // Under valgrind the event loop lags by far more than the 200 ms that sheds load: not here.
          env: { EVENT_LOOP_LAG_LIMIT_MS: '60000', ...variant.env },
          nodeArgs: [...nodeFlags, ...variant.nodeArgs],
          wrap,
          readyTimeoutMs: START_TIMEOUT_MS,
        }),
      `/v1/models/${load.model}:predict`,
      { authorization: `Bearer ${env.predictToken}` },
    );
  }
  if (values.onnx) {
    await measure(
      'onnx-minimal',
      (wrap) => startOnnxServer(null, recs, { nodeArgs: nodeFlags, wrap, timeoutMs: START_TIMEOUT_MS }),
      '/predict',
      {},
    );
  }
  const first = results[0];
  if (first && results.length > 1) {
    console.log('\nk instructions per request outside the optimizing compiler, and against the first:');
    for (const { name, outsideCompiler } of results) {
      const change = ((outsideCompiler / first.outsideCompiler - 1) * 100).toFixed(2);
      console.log(`${name.padEnd(16)} ${(outsideCompiler / 1000).toFixed(1).padStart(8)}   ${change} %`);
    }
  }
} finally {
  await env.close();
  await stopStarted();
  await Promise.all(mapFiles.map((file) => rm(file, { force: true })));
}

/** `--js-names`: the server's costliest JIT-compiled functions, by their own instructions per request. */
async function printJsNames(name: string, mapFile: string, counted: string): Promise<void> {
  const mapText = await readFile(mapFile, 'utf8').catch(() => null);
  if (mapText === null) {
    console.log(`    (no ${mapFile}: JIT code left unnamed)`);
    return;
  }
  if (keepDir) await writeFile(join(keepDir, `${name}.perf-map`), mapText);
  const costs = jitSelfCosts(callgrindSelfCosts(counted), new PerfMap(mapText));
  const total = [...costs.values()].reduce((sum, cost) => sum + cost, 0);
  console.log(
    `    JIT-compiled code: ${(total / requests / 1000).toFixed(1)} k per request; the costliest, own instructions per request:`,
  );
  for (const [fn, cost] of [...costs].sort((a, b) => b[1] - a[1]).slice(0, JS_NAMES_SHOWN)) {
    console.log(`    ${(cost / requests).toFixed(0).padStart(8)}  ${fn}`);
  }
}
