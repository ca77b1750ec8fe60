import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVlq, SourceLookup } from './source-map.ts';
import { type CpuProfile, stageOfSource, stageTimes } from './stages.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-stages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeVlq', () => {
  it('decodes the source map spec examples', () => {
    expect(decodeVlq('AAAA')).toEqual([0, 0, 0, 0]);
    expect(decodeVlq('D')).toEqual([-1]);
    expect(decodeVlq('gB')).toEqual([16]);
    expect(decodeVlq('2H')).toEqual([123]);
  });
});

describe('stageOfSource', () => {
  it('names app folders, top-level files and workspace packages; libraries are not stages', () => {
    expect(stageOfSource('../src/routes/predict.ts', 'data-plane')).toBe('data-plane routes/');
    expect(stageOfSource('../src/app.ts', 'data-plane')).toBe('data-plane app.ts');
    expect(stageOfSource('../../../packages/router/src/route.ts', 'data-plane')).toBe('@modelplane/router');
    expect(stageOfSource('../../../node_modules/.pnpm/zod@4/node_modules/zod/src/x.ts', 'dp')).toBeNull();
  });
});

describe('stageTimes on a real profile of a bundled program', () => {
  it('charges a busy function to its source folder, and library calls to the caller', async () => {
    // src/main.ts calls src/hot/spin.ts, which burns CPU partly in its own loop and partly in
    // JSON.stringify (a builtin): both must land in "demo hot/", the innermost source file.
    mkdirSync(join(dir, 'src', 'hot'), { recursive: true });
    writeFileSync(
      join(dir, 'src', 'hot', 'spin.ts'),
      `export function spin(ms: number): number {
         const end = Date.now() + ms; let x = 0;
         while (Date.now() < end) { for (let i = 0; i < 1e4; i++) x += i % 7; JSON.stringify({ x, a: [1, 2, 3] }); }
         return x;
       }\n`,
    );
    writeFileSync(
      join(dir, 'src', 'main.ts'),
      `import { spin } from './hot/spin.ts';\nconsole.log(spin(400));\n`,
    );
    const outfile = join(dir, 'dist', 'main.js');
    await build({
      entryPoints: [join(dir, 'src', 'main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      sourcemap: true,
    });
    const profDir = join(dir, 'prof');
    execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, outfile]);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    const profile = JSON.parse(readFileSync(join(profDir, file ?? ''), 'utf8')) as CpuProfile;
    const lookup = new SourceLookup(JSON.parse(readFileSync(`${outfile}.map`, 'utf8')));

    const all = stageTimes(profile, { url: pathToFileURL(outfile).href, app: 'demo', lookup });
    const hot = all.byStage.get('demo hot/') ?? 0;
    expect(hot).toBeGreaterThan(300_000);
    // The largest stage, whatever start-up (module loading, compiling) cost on a busy machine.
    const others = [...all.byStage].filter(([stage]) => stage !== 'demo hot/').map(([, us]) => us);
    expect(hot).toBeGreaterThan(Math.max(...others));

    // A window before the program started holds nothing.
    const before = stageTimes(
      profile,
      { url: pathToFileURL(outfile).href, app: 'demo', lookup },
      { fromUs: profile.startTime - 2e6, toUs: profile.startTime - 1e6 },
    );
    expect(before.busyUs).toBe(0);
  });
});

describe('stageTimes attribution rules', () => {
  // A hand-made profile: root → hook (our overload/ code) → fastify → node internals (leaf), and
  // root → validation (ours) → zod (leaf). 1 ms per sample.
  const bundleUrl = 'file:///app/dist/main.js';
  const frame = (functionName: string, url: string, lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
    columnNumber: 0,
  });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 7, 8] },
      { id: 2, callFrame: frame('onRequest', bundleUrl, 0), children: [3] },
      {
        id: 3,
        callFrame: frame(
          'runHooks',
          'file:///x/node_modules/.pnpm/fastify@5/node_modules/fastify/lib/hooks.js',
        ),
        children: [4],
      },
      { id: 4, callFrame: frame('writeHead', 'node:_http_server') },
      { id: 5, callFrame: frame('validate', bundleUrl, 1), children: [6] },
      { id: 6, callFrame: frame('parse', 'file:///x/node_modules/.pnpm/zod@4/node_modules/zod/index.js') },
      { id: 7, callFrame: frame('(idle)', '') },
      { id: 8, callFrame: frame('(garbage collector)', '') },
    ],
    startTime: 0,
    endTime: 7000,
    samples: [4, 4, 6, 6, 6, 7, 8],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
  const lookup = new SourceLookup({
    sources: ['../src/overload/lifecycle.ts', '../src/validation/stage.ts'],
    // line 0 → source 0, line 1 → source 1 (segments: column 0, source delta, line, column)
    mappings: 'AAAA;ACAA',
  });

  it('charges framework work under our hook to the framework, and library work to our caller', () => {
    const times = stageTimes(profile, { url: bundleUrl, app: 'dp', lookup });
    expect(Object.fromEntries(times.byStage)).toEqual({
      'HTTP framework (Fastify and its parts)': 2000,
      'dp validation/': 3000,
      'garbage collection': 1000,
    });
    expect(times.idleUs).toBe(1000);
    expect(times.busyUs).toBe(6000);
  });

  it('keeps only the samples inside the window', () => {
    const times = stageTimes(profile, { url: bundleUrl, app: 'dp', lookup }, { fromUs: 2500, toUs: 5000 });
    expect(Object.fromEntries(times.byStage)).toEqual({ 'dp validation/': 3000 });
  });
});
