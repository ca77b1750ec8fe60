import type { ModelVersion, ServingOptions, TensorSignature } from '@modelplane/schemas';
import { parseJsonObject, parseRef } from '../args.ts';
import { booleanFlag, type CommandGroup, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatTime, keyValues, table } from '../output.ts';
import { backendAndArtifact, registrationExtras } from './versions-input.ts';

/** Where the version's predictions come from, in one cell. */
function source(v: ModelVersion): string {
  if (v.backend.kind === 'onnx') return v.artifact?.uri ?? '-';
  const remote = v.backend.remoteVersion
    ? `${v.backend.remoteName}:${v.backend.remoteVersion}`
    : v.backend.remoteName;
  return `${v.backend.url} (${remote})`;
}

/** `input FP32 [-1, -1], sr INT64 []`. */
function tensorsText(tensors: readonly TensorSignature[]): string {
  return tensors.map((t) => `${t.name} ${t.datatype} [${t.shape.join(', ')}]`).join(', ');
}

function renderVersion(v: ModelVersion): string[] {
  return keyValues([
    ['ref', v.ref],
    ['status', v.status],
    ['backend', v.backend.kind],
    ['source', source(v)],
    ['sha256', v.artifact?.sha256],
    ['serving options', JSON.stringify(v.servingOptions)],
    ['metrics', Object.keys(v.metrics).length ? JSON.stringify(v.metrics) : undefined],
    ['inputs', v.signature ? tensorsText(v.signature.inputs) : undefined],
    ['outputs', v.signature ? tensorsText(v.signature.outputs) : undefined],
    [
      'warm-up',
      v.backend.kind !== 'onnx'
        ? undefined
        : v.warmup
          ? 'registered request'
          : 'zeros (a failure only warns)',
    ],
    ['input schema', v.inputSchema ? 'yes' : 'no'],
    ['output schema', v.outputSchema ? 'yes' : 'no'],
    ['description', v.description],
    ['created', `${formatTime(v.createdAt)} by ${v.createdBy}`],
  ]);
}

/** `modelplane versions ...`: immutable model versions. */
export const versionsGroup: CommandGroup = {
  name: 'versions',
  summary: 'register, list, inspect, archive and tune model versions',
  commands: [
    {
      name: 'register',
      usage:
        '<model>@<version> (--file PATH | --artifact-uri URI --sha256 HEX | --backend oip|tfserving --endpoint URL --remote-name NAME [--remote-version V]) [--warmup FILE] [--input-schema FILE] [--output-schema FILE] [--metrics k=v,...] [--serving-options JSON] [--description D]',
      summary: 'register a new, immutable version of a model',
      details: [
        'model source (exactly one):',
        '  --file PATH                 a local ONNX file: streamed to the control plane, which checks and stores it by',
        '                              its sha256 and registers artifact://<sha256>; every replica fetches it from there',
        '  --artifact-uri URI --sha256 HEX   an ONNX artifact elsewhere (http(s)://, artifact://, or file:// under the',
        "                              replicas' ARTIFACT_FILE_ROOT); each replica refuses bytes that do not match the sha256",
        '  --backend oip|tfserving --endpoint URL --remote-name NAME [--remote-version V]   a remote model server',
        'optional:',
        '  --warmup FILE               the request replicas warm the model with, as JSON:',
        '                              {"inputs":[{"name":"x","shape":[1,512],"datatype":"FP32","data":[...]}]}',
        '                              (flat data). Checked now against the signature read from the uploaded',
        '                              artifact (--file or artifact:// only); if it fails on a replica, the',
        '                              version does not serve there. Without it, replicas warm with zeros',
        '                              (variable dims set to 1) and only warn if the model refuses them.',
        '  --input-schema FILE, --output-schema FILE   JSON Schema files for request and response validation',
        '  --metrics accuracy=0.91,trainedOnRows=10000   numbers recorded with the version',
        `  --serving-options '{"deadlineMs":500}'       per-version serving behaviour (JSON)`,
        '  --description D',
        '',
        'examples:',
        '  modelplane versions register recs@2.4.0 --file ./model.onnx --metrics accuracy=0.91',
        '  modelplane versions register vad@5.0.0 --file ./vad.onnx --warmup ./vad-warmup.json',
        '  modelplane versions register recs@2.5.0 --backend oip --endpoint http://triton:8000 --remote-name recs',
      ],
      options: {
        file: { type: 'string' },
        'artifact-uri': { type: 'string' },
        sha256: { type: 'string' },
        backend: { type: 'string' },
        endpoint: { type: 'string' },
        'remote-name': { type: 'string' },
        'remote-version': { type: 'string' },
        'input-schema': { type: 'string' },
        'output-schema': { type: 'string' },
        warmup: { type: 'string' },
        metrics: { type: 'string' },
        'serving-options': { type: 'string' },
        description: { type: 'string' },
      },
      args: ['<model>@<version>'],
      async run(ctx, [ref = ''], flags) {
        const { model, version } = parseRef(ref);
        // Check the other flags before uploading, so a typo costs nothing.
        const extras = await registrationExtras(flags, ctx.cwd);
        const source = await backendAndArtifact(flags, ctx.uploadArtifact);
        const created = await (await ctx.client()).versions.register.mutate({
          model,
          version,
          ...source,
          ...extras,
        });
        ctx.output.result(created, (v) => [`registered ${v.ref}`, ...renderVersion(v)]);
      },
    },
    {
      name: 'list',
      usage: '<model> [--all]',
      summary: "list a model's versions (--all includes archived ones)",
      options: { all: { type: 'boolean' } },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const versions = await (await ctx.client()).versions.list.query({
          model,
          includeArchived: booleanFlag(flags, 'all'),
        });
        ctx.output.result(versions, (rows) =>
          table(
            ['VERSION', 'STATUS', 'BACKEND', 'SOURCE', 'CREATED'],
            rows.map((v) => [v.version, v.status, v.backend.kind, source(v), formatTime(v.createdAt)]),
          ),
        );
      },
    },
    {
      name: 'get',
      usage: '<model>@<version>',
      summary: 'show one version',
      args: ['<model>@<version>'],
      async run(ctx, [ref = '']) {
        const { model, version } = parseRef(ref);
        ctx.output.result(await (await ctx.client()).versions.get.query({ model, version }), renderVersion);
      },
    },
    {
      name: 'archive',
      usage: '<model>@<version>',
      summary: 'archive a version that carries no traffic (it can no longer be routed to)',
      args: ['<model>@<version>'],
      async run(ctx, [ref = '']) {
        const { model, version } = parseRef(ref);
        const archived = await (await ctx.client()).versions.archive.mutate({ model, version });
        ctx.output.result(archived, (v) => [`archived ${v.ref}`]);
      },
    },
    {
      name: 'update',
      usage: `<model>@<version> --serving-options JSON`,
      summary: "replace a version's serving options (its identity never changes)",
      details: [
        `example: modelplane versions update recs@2.4.0 --serving-options '{"deadlineMs":500,"maxBatchSize":16}'`,
      ],
      options: { 'serving-options': { type: 'string' } },
      args: ['<model>@<version>'],
      async run(ctx, [ref = ''], flags) {
        const { model, version } = parseRef(ref);
        const text = stringFlag(flags, 'serving-options');
        if (text === undefined) throw new UsageError('versions update: --serving-options JSON is required');
        const servingOptions = parseJsonObject(text, '--serving-options') as ServingOptions;
        const updated = await (await ctx.client()).versions.update.mutate({ model, version, servingOptions });
        ctx.output.result(updated, (v) => [`updated ${v.ref}`, ...renderVersion(v)]);
      },
    },
  ],
};
