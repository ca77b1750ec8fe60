import type { Revision } from '@modelplane/schemas';
import { parsePositiveInt, parseRef, parseWeights, percentToBasisPoints } from '../args.ts';
import { type CommandGroup, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatPercent, formatTime, table } from '../output.ts';
import { reportChange, WAIT_DETAILS, WAIT_OPTIONS, WAIT_USAGE, waitMs } from './rollout.ts';

/** `2.0.0 90%, 2.1.0 10%`. */
function weightsText(revision: Revision): string {
  return revision.weights.map((w) => `${w.version} ${formatPercent(w.weight)}`).join(', ');
}

function renderRevision(verb: string, revision: Revision): string[] {
  return [
    `${verb}: ${revision.model} is now at revision ${revision.revision} (${revision.action})`,
    `  weights   ${weightsText(revision)}`,
    `  baseline  ${revision.baseline}`,
  ];
}

/** What `traffic show` prints from: the parts of `traffic.get` it reads. */
export interface TrafficView {
  model: string;
  revision: Revision | null;
  versions: { version: string; status: string }[];
  replicas: ReplicaView[];
}

/** One data-plane replica as `traffic.get` reports it for the model. */
export interface ReplicaView {
  replicaId: string;
  state: string;
  /** Why the replica is not in sync; null when it is. */
  reason: string | null;
  appliedRevision: number | null;
  lastSeenAt: string;
  rejectedRevision: number | null;
  versionErrors: Record<string, string>;
  /** Versions that serve although their warm-up with zeros failed (absent from older control planes). */
  versionWarnings?: Record<string, string>;
  lastError: string | null;
}

/** The versions table, then, when replicas report, one row per replica with what stops it serving. */
export function renderTraffic(t: TrafficView): string[] {
  const weightOf = new Map(t.revision?.weights.map((w) => [w.version, w.weight]));
  const header = t.revision
    ? `${t.model}: revision ${t.revision.revision} (${t.revision.action} by ${t.revision.createdBy}, ${formatTime(t.revision.createdAt)})`
    : `${t.model}: no traffic yet (start with \`modelplane traffic promote ${t.model}@<version>\`)`;
  const rows = t.versions.map((v) => {
    const weight = weightOf.get(v.version);
    const baseline = t.revision?.baseline === v.version ? 'baseline' : '';
    return [v.version, weight === undefined ? null : formatPercent(weight), v.status, baseline];
  });
  const lines = [header, '', ...table(['VERSION', 'WEIGHT', 'STATUS', 'ROLE'], rows)];
  if (t.replicas.length === 0) return lines;
  const replicaRows = t.replicas.map((r) => [
    r.replicaId,
    r.state,
    r.appliedRevision,
    formatTime(r.lastSeenAt),
    replicaDetail(r).join('; ') || null,
  ]);
  const warnings = t.replicas.flatMap((r) =>
    Object.entries(r.versionWarnings ?? {}).map(
      ([ref, warning]) => `warning: ${r.replicaId}: ${ref} serves, but ${warning}`,
    ),
  );
  return [
    ...lines,
    '',
    ...table(['REPLICA', 'STATE', 'APPLIED', 'LAST SEEN', 'REASON'], replicaRows),
    ...(warnings.length > 0 ? ['', ...warnings] : []),
  ];
}

/** Why the replica is not in sync, then any other error it reports, each said once. */
function replicaDetail(r: ReplicaView): string[] {
  const reason = r.reason ?? '';
  return [...(reason ? [reason] : []), ...replicaErrors(r).filter((e) => !reason.includes(e))];
}

/** Everything keeping a replica from serving the model as configured, most specific first. */
function replicaErrors(r: ReplicaView): string[] {
  return [
    ...(r.rejectedRevision !== null ? [`rejected revision ${r.rejectedRevision}`] : []),
    ...Object.entries(r.versionErrors).map(([ref, error]) => `${ref}: ${error}`),
    ...(r.lastError !== null ? [r.lastError] : []),
  ];
}

/** `modelplane traffic ...`: how requests are split between versions. */
export const trafficGroup: CommandGroup = {
  name: 'traffic',
  summary: 'show and change how traffic is split between versions',
  commands: [
    {
      name: 'show',
      usage: '<model>',
      summary: 'the active revision: weights, baseline, every version status and each live replica',
      args: ['<model>'],
      async run(ctx, [model = '']) {
        const traffic = await (await ctx.client()).traffic.get.query({ model });
        ctx.output.result(traffic, renderTraffic);
      },
    },
    {
      name: 'set',
      usage: `<model> --weights V=PERCENT,... [--baseline V] ${WAIT_USAGE}`,
      summary: 'set the whole split at once; percentages (up to 2 decimals) must add up to 100',
      details: [
        'example: modelplane traffic set recs --weights 2.3.0=90,2.4.0=10 --baseline 2.3.0',
        ...WAIT_DETAILS,
      ],
      options: { weights: { type: 'string' }, baseline: { type: 'string' }, ...WAIT_OPTIONS },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const text = stringFlag(flags, 'weights');
        if (text === undefined) throw new UsageError('traffic set: --weights V=PERCENT,... is required');
        const weights = parseWeights(text);
        const baseline = stringFlag(flags, 'baseline');
        const wait = waitMs(flags);
        const revision = await (await ctx.client()).traffic.set.mutate({
          model,
          weights,
          ...(baseline !== undefined && { baseline }),
        });
        await reportChange(ctx, revision, wait, (r) => renderRevision('traffic set', r));
      },
    },
    {
      name: 'canary',
      usage: `<model>@<version> --percent P ${WAIT_USAGE}`,
      summary: 'send P percent to a version; the rest keeps its current proportions',
      details: ['example: modelplane traffic canary recs@2.4.0 --percent 10', ...WAIT_DETAILS],
      options: { percent: { type: 'string' }, ...WAIT_OPTIONS },
      args: ['<model>@<version>'],
      async run(ctx, [ref = ''], flags) {
        const { model, version } = parseRef(ref);
        const percent = stringFlag(flags, 'percent');
        if (percent === undefined) throw new UsageError('traffic canary: --percent P is required');
        const weight = percentToBasisPoints(percent, '--percent');
        const wait = waitMs(flags);
        const revision = await (await ctx.client()).traffic.canary.mutate({ model, version, weight });
        await reportChange(ctx, revision, wait, (r) => renderRevision('canary', r));
      },
    },
    {
      name: 'promote',
      usage: `<model>@<version> ${WAIT_USAGE}`,
      summary: 'send all traffic to a version and make it the baseline',
      details: WAIT_DETAILS,
      options: WAIT_OPTIONS,
      args: ['<model>@<version>'],
      async run(ctx, [ref = ''], flags) {
        const { model, version } = parseRef(ref);
        const wait = waitMs(flags);
        const revision = await (await ctx.client()).traffic.promote.mutate({ model, version });
        await reportChange(ctx, revision, wait, (r) => renderRevision('promoted', r));
      },
    },
    {
      name: 'rollback',
      usage: `<model> [--to REVISION] ${WAIT_USAGE}`,
      summary:
        'restore the split before the last change (or revision N); repeated rollbacks walk further back',
      details: WAIT_DETAILS,
      options: { to: { type: 'string' }, ...WAIT_OPTIONS },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const to = stringFlag(flags, 'to');
        const input = { model, ...(to !== undefined && { to: parsePositiveInt(to, '--to') }) };
        const wait = waitMs(flags);
        const revision = await (await ctx.client()).traffic.rollback.mutate(input);
        await reportChange(ctx, revision, wait, (r) => [
          ...renderRevision('rolled back', r),
          `  restores  revision ${r.restoresRevision}`,
        ]);
      },
    },
    {
      name: 'reshuffle',
      usage: `<model> ${WAIT_USAGE}`,
      summary: 'same split, new hashing salt: a different set of users lands on each version',
      details: WAIT_DETAILS,
      options: WAIT_OPTIONS,
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const wait = waitMs(flags);
        const revision = await (await ctx.client()).traffic.reshuffle.mutate({ model });
        await reportChange(ctx, revision, wait, (r) => renderRevision('reshuffled', r));
      },
    },
    {
      name: 'history',
      usage: '<model> [--limit N]',
      summary: 'past revisions, newest first',
      options: { limit: { type: 'string' } },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const limit = stringFlag(flags, 'limit');
        const input = { model, ...(limit !== undefined && { limit: parsePositiveInt(limit, '--limit') }) };
        const history = await (await ctx.client()).traffic.history.query(input);
        ctx.output.result(history, (rows) =>
          table(
            ['REV', 'ACTION', 'WEIGHTS', 'BASELINE', 'BY', 'AT', ''],
            rows.map((r) => [
              r.revision,
              r.restoresRevision !== null && r.action === 'rollback'
                ? `rollback to ${r.restoresRevision}`
                : r.action,
              weightsText(r),
              r.baseline,
              r.createdBy,
              formatTime(r.createdAt),
              r.active ? 'active' : '',
            ]),
          ),
        );
      },
    },
  ],
};
