import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DemoModelEntry, loadManifest } from '@modelplane/demo-models';
import * as ort from 'onnxruntime-node';
import type { BackendLogger, Tensor } from '../src/backends/types.ts';
import type { VersionConfig } from '../src/routing/types.ts';

/**
 * What createBackendManager needs to reach this machine's test servers (127.0.0.1) and files (temp
 * dirs, the demo models): both are refused by default, as they would be for a real replica.
 */
export const LOCAL_ACCESS = { network: { allowPrivateNetwork: true }, artifactFileRoot: '/' } as const;

/** The same for createDataPlane's serving settings. */
export const LOCAL_SERVING = {
  network: { allowPrivateNetwork: true },
  artifacts: { fileRoot: '/' },
} as const;

/** The demo models as built by @modelplane/demo-models: the files and the metadata they declare. */
export const DEMO = loadManifest().models;

/** The manifest entry for `model@version`, failing loudly if the demo build changed. */
export function demo(model: string, version = '1.0.0'): DemoModelEntry {
  const entry = DEMO.find((m) => m.model === model && m.version === version);
  if (!entry) throw new Error(`no demo model ${model}@${version}; run the demo-models build`);
  return entry;
}

let counter = 0;

/** A registered onnx version as the routing layer hands it to the backend manager. */
export function onnxVersion(entry: DemoModelEntry, artifact: { uri: string; sha256: string }): VersionConfig {
  counter += 1;
  const version = `${entry.version}-${counter}`;
  return {
    id: `mv_${entry.model}_${counter}`,
    model: entry.model,
    version,
    ref: `${entry.model}@${version}`,
    backend: { kind: 'onnx' },
    artifact,
    inputSchema: null,
    outputSchema: null,
    servingOptions: {},
  };
}

/** The demo file as a file:// artifact with its manifest digest. */
export function fileArtifact(entry: DemoModelEntry): { uri: string; sha256: string } {
  return { uri: pathToFileURL(entry.file).href, sha256: entry.sha256 };
}

/** Deterministic pseudo-random feature rows (a fixed LCG), so every run compares the same numbers. */
export function sampleRows(rows: number, width: number, seed = 7): Float32Array {
  const data = new Float32Array(rows * width);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    data[i] = (state / 2 ** 31) * 4 - 1;
  }
  return data;
}

/** The single FP32 input of a demo model as a request tensor; a variable width (signal-level's samples) is 8. */
export function featureTensor(entry: DemoModelEntry, rows: number): Tensor {
  const input = entry.inputs[0];
  if (!input) throw new Error(`${entry.model} declares no input`);
  const declared = input.shape[1] ?? 1;
  const width = declared === -1 ? 8 : declared;
  return {
    name: input.name,
    datatype: 'FP32',
    shape: [rows, width],
    data: Array.from(sampleRows(rows, width)),
  };
}

/** The reference: the same file and rows run directly through onnxruntime-node, outside the code under test. */
export async function directRun(entry: DemoModelEntry, rows: number): Promise<Record<string, ort.Tensor>> {
  const input = featureTensor(entry, rows);
  const session = await ort.InferenceSession.create(entry.file, { intraOpNumThreads: 1 });
  try {
    const feeds = {
      [input.name]: new ort.Tensor('float32', Float32Array.from(input.data as number[]), input.shape),
    };
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

/** A logger that keeps what it was told, so tests can count loads and see alerts. */
export function recordingLogger(): BackendLogger & {
  records: { level: string; obj: object; msg?: string }[];
} {
  const records: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    records.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  };
  return { records, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A fresh temporary directory and its cleanup. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `mp-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
