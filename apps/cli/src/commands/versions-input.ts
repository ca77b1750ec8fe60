import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Artifact, RegisterVersionInput, ServingOptions, WarmupRequest } from '@modelplane/schemas';
import { parseChoice, parseJsonObject, parseMetrics } from '../args.ts';
import { type FlagValues, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';

/** Where a version's model comes from: exactly one of three flag sets. */
export async function backendAndArtifact(
  flags: FlagValues,
  upload: (path: string) => Promise<Artifact>,
): Promise<Pick<RegisterVersionInput, 'backend' | 'artifact'>> {
  const file = stringFlag(flags, 'file');
  const uri = stringFlag(flags, 'artifact-uri');
  const sha256 = stringFlag(flags, 'sha256');
  const backend = stringFlag(flags, 'backend');
  const sources = [file !== undefined, uri !== undefined || sha256 !== undefined, backend !== undefined];
  if (sources.filter(Boolean).length !== 1) {
    throw new UsageError(
      'versions register: give exactly one of --file PATH, --artifact-uri URI --sha256 HEX, or --backend oip|tfserving',
    );
  }
  if (file !== undefined) return { backend: { kind: 'onnx' }, artifact: await upload(file) };
  if (uri !== undefined || sha256 !== undefined) {
    if (uri === undefined || sha256 === undefined) {
      throw new UsageError('versions register: --artifact-uri and --sha256 go together');
    }
    return { backend: { kind: 'onnx' }, artifact: { uri, sha256: sha256.toLowerCase() } };
  }
  const kind = parseChoice(backend ?? '', ['oip', 'tfserving'] as const, '--backend');
  const url = stringFlag(flags, 'endpoint');
  const remoteName = stringFlag(flags, 'remote-name');
  if (url === undefined || remoteName === undefined) {
    throw new UsageError(`versions register: --backend ${kind} needs --endpoint URL and --remote-name NAME`);
  }
  const remoteVersion = stringFlag(flags, 'remote-version');
  return { backend: { kind, url, remoteName, ...(remoteVersion !== undefined && { remoteVersion }) } };
}

/** The optional parts of a registration: warm-up, schemas, metrics, serving options, description. */
export async function registrationExtras(
  flags: FlagValues,
  cwd: string,
): Promise<Omit<RegisterVersionInput, 'model' | 'version' | 'backend' | 'artifact'>> {
  const inputSchema = stringFlag(flags, 'input-schema');
  const outputSchema = stringFlag(flags, 'output-schema');
  const metrics = stringFlag(flags, 'metrics');
  const servingOptions = stringFlag(flags, 'serving-options');
  const description = stringFlag(flags, 'description');
  const warmup = stringFlag(flags, 'warmup');
  return {
    // The server checks it against the model's signature; here it only has to be a JSON object.
    ...(warmup !== undefined && { warmup: (await readJsonFile(warmup, cwd, '--warmup')) as WarmupRequest }),
    ...(inputSchema !== undefined && { inputSchema: await readJsonFile(inputSchema, cwd, '--input-schema') }),
    ...(outputSchema !== undefined && {
      outputSchema: await readJsonFile(outputSchema, cwd, '--output-schema'),
    }),
    ...(metrics !== undefined && { metrics: parseMetrics(metrics) }),
    ...(servingOptions !== undefined && {
      // The server validates the fields; here it only has to be a JSON object.
      servingOptions: parseJsonObject(servingOptions, '--serving-options') as ServingOptions,
    }),
    ...(description !== undefined && { description }),
  };
}

async function readJsonFile(path: string, cwd: string, flag: string): Promise<Record<string, unknown>> {
  const absolute = resolve(cwd, path);
  const text = await readFile(absolute, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`${flag}: cannot read ${absolute}: ${error.code ?? error.message}`);
  });
  return parseJsonObject(text, `${flag} ${path}`);
}
