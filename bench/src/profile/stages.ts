// "Where the time goes": attributes a V8 CPU profile's samples to stages of the request path.
// Walking from the sampled frame towards the root, the first Modelplane source file names the
// stage (so time in Zod or prom-client called from the validation or telemetry code counts
// there), unless a frame of the HTTP framework comes first (then it is the framework's time);
// samples with neither belong to the library or runtime they were taken in.
import type { SourceLookup } from './source-map.ts';

/** The parts of a `.cpuprofile` (V8's format, written by `node --cpu-prof`) read here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  /** Microseconds on the machine's monotonic clock (the same as `process.hrtime`). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A window of the monotonic clock in microseconds, e.g. one measured load run. */
export interface TimeWindow {
  fromUs: number;
  toUs: number;
}

/** Main-thread time per stage inside a window. */
export interface StageTimes {
  /** Microseconds by stage, idle excluded. */
  byStage: Map<string, number>;
  /** Microseconds the main thread was idle (waiting in the event loop). */
  idleUs: number;
  busyUs: number;
}

/**
 * Names a source path from the bundle's source map (`../src/routes/predict.ts`,
 * `../../../packages/db/src/x.ts`) as a stage: the app's top folder or file, or the workspace
 * package. Null when it is not Modelplane code.
 */
export function stageOfSource(source: string, app: string): string | null {
  if (source.includes('node_modules/')) return null;
  const pkg = /(?:^|\/)packages\/([^/]+)\/src\//.exec(source);
  if (pkg) return `@modelplane/${pkg[1]}`;
  const own = /(?:^|\/)src\/(.+)$/.exec(source);
  if (!own?.[1]) return null;
  const [first, ...rest] = own[1].split('/');
  return `${app} ${rest.length > 0 ? `${first}/` : first}`;
}

/** The stage of samples inside the HTTP framework. */
export const HTTP_FRAMEWORK = 'HTTP framework (Fastify and its parts)';

// Fastify calls our hooks with a `done` callback that runs the rest of its pipeline (body parsing,
// serialization, the socket write) beneath our frame. Walking from a sample towards the root, a
// framework frame therefore ends the walk: the framework is doing its own work, whichever of our
// hooks happens to sit above it.
const FRAMEWORK =
  /node_modules\/(?:fastify|@fastify\/[^/]+|find-my-way|avvio|fast-json-stringify|secure-json-parse|light-my-request|fastq|toad-cache|fast-querystring)\/(?!.*node_modules\/)/;

function isFramework(url: string): boolean {
  return FRAMEWORK.test(url);
}

/** The library (npm package), `node:` internals or V8 pseudo-frame a frame belongs to. */
export function libraryOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 / native, no JS frame';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url);
  if (pkg) return `lib ${pkg[1]}`;
  if (url.startsWith('node:')) return 'node internals (http, net, streams, timers)';
  return 'native / builtins';
}

/**
 * Self time of each stage for the samples inside `window` (all when omitted). `bundle` says which
 * frames are the app bundle's (`url`), and its source map maps their positions to sources; without
 * one (a server that is not Modelplane) only the framework and the libraries are told apart.
 */
export function stageTimes(
  profile: CpuProfile,
  bundle: { url: string; app: string; lookup: SourceLookup } | null,
  window?: TimeWindow,
): StageTimes {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // What a frame says about the sample: a Modelplane stage, the HTTP framework, or nothing (keep
  // walking towards the root).
  const frameVerdict = (id: number): string | null => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return null;
    if (bundle && frame.url === bundle.url) {
      const source = bundle.lookup.sourceAt(frame.lineNumber, frame.columnNumber);
      return source ? stageOfSource(source, bundle.app) : null;
    }
    return isFramework(frame.url) ? HTTP_FRAMEWORK : null;
  };
  const memo = new Map<number, string>();
  const stageOf = (leaf: number): string => {
    const known = memo.get(leaf);
    if (known !== undefined) return known;
    let stage: string | null = null;
    for (let id: number | undefined = leaf; id !== undefined && stage === null; id = parent.get(id)) {
      stage = frameVerdict(id);
    }
    const frame = byId.get(leaf)?.callFrame;
    const result = stage ?? (frame ? libraryOf(frame.url, frame.functionName) : 'unknown');
    memo.set(leaf, result);
    return result;
  };

  const byStage = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    // Each delta is the time since the previous sample, so it is charged to this sample's frame.
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i] ?? -1;
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      idleUs += delta;
      continue;
    }
    const stage = stageOf(id);
    byStage.set(stage, (byStage.get(stage) ?? 0) + delta);
    busyUs += delta;
  }
  return { byStage, idleUs, busyUs };
}
