import type { AlertKind } from '@modelplane/schemas';
import { parseChoice, parsePositiveInt } from '../args.ts';
import { type CommandGroup, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatTime, table } from '../output.ts';

// A Record keyed by the schema's type, so a new kind fails typecheck here; the import stays type-only
// so the bundle does not pull in zod.
const KIND_UNITS: Record<AlertKind, string> = {
  p99_latency: 'ms',
  error_rate: 'fraction, 0.05 = 5%',
  srm: 'p-value',
  replica_stale: 'seconds',
};
const ALERT_KINDS = Object.keys(KIND_UNITS) as AlertKind[];
const KIND_HELP = ALERT_KINDS.map((kind) => `${kind} (${KIND_UNITS[kind]})`).join(' | ');

/** `modelplane alerts ...`: alert rules, what is firing, and recent events. */
export const alertsGroup: CommandGroup = {
  name: 'alerts',
  summary: 'show firing alerts and recent events; set and delete alert rules',
  defaultCommand: 'list',
  commands: [
    {
      name: 'list',
      usage: '[--model M]',
      summary: 'alert rules with their state, then the newest firing and resolved events',
      options: { model: { type: 'string' } },
      async run(ctx, _args, flags) {
        const model = stringFlag(flags, 'model');
        const result = await (await ctx.client()).alerts.list.query(model === undefined ? {} : { model });
        ctx.output.result(result, (r) => [
          r.firing.length === 0
            ? 'nothing is firing'
            : `FIRING: ${r.firing.map((f) => `${f.model} ${f.kind}`).join(', ')}`,
          '',
          ...table(
            ['MODEL', 'KIND', 'THRESHOLD', 'WINDOW', 'STATE', 'LAST VALUE', 'EVALUATED'],
            r.rules.map((rule) => [
              rule.model,
              rule.kind,
              rule.threshold,
              `${rule.windowMinutes}m`,
              rule.state,
              rule.lastValue === null ? null : Number(rule.lastValue.toPrecision(4)),
              formatTime(rule.lastEvaluatedAt),
            ]),
          ),
          '',
          ...table(
            ['AT', 'STATE', 'MESSAGE', 'WEBHOOK'],
            r.events.map((e) => [formatTime(e.at), e.state, e.message, e.delivery]),
          ),
        ]);
      },
    },
    {
      name: 'set',
      usage: '<model> --kind K [--threshold X] [--window-minutes N] [--min-requests N]',
      summary: "create or change the model's rule of one kind",
      details: [
        `kinds: ${KIND_HELP}`,
        '',
        'example: modelplane alerts set recs --kind p99_latency --threshold 25',
      ],
      options: {
        kind: { type: 'string' },
        threshold: { type: 'string' },
        'window-minutes': { type: 'string' },
        'min-requests': { type: 'string' },
      },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const kindText = stringFlag(flags, 'kind');
        if (kindText === undefined)
          throw new UsageError(`alerts set: --kind is required (${ALERT_KINDS.join('|')})`);
        const kind = parseChoice(kindText, ALERT_KINDS, '--kind');
        const threshold = stringFlag(flags, 'threshold');
        const windowMinutes = stringFlag(flags, 'window-minutes');
        const minRequests = stringFlag(flags, 'min-requests');
        if (threshold !== undefined && !(Number(threshold) > 0))
          throw new UsageError('--threshold: a positive number');
        const rule = await (await ctx.client()).alerts.rules.set.mutate({
          model,
          kind,
          ...(threshold !== undefined && { threshold: Number(threshold) }),
          ...(windowMinutes !== undefined && {
            windowMinutes: parsePositiveInt(windowMinutes, '--window-minutes'),
          }),
          ...(minRequests !== undefined && { minRequests: parsePositiveInt(minRequests, '--min-requests') }),
        });
        ctx.output.result(rule, (r) => [
          `${r.model}: ${r.kind} alert above ${r.threshold} over ${r.windowMinutes}m (at least ${r.minRequests}), now ${r.state}`,
        ]);
      },
    },
    {
      name: 'delete',
      usage: '<model> --kind K',
      summary: "delete the model's rule of one kind (its past events are kept)",
      options: { kind: { type: 'string' } },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const kindText = stringFlag(flags, 'kind');
        if (kindText === undefined) throw new UsageError('alerts delete: --kind is required');
        const kind = parseChoice(kindText, ALERT_KINDS, '--kind');
        const rule = await (await ctx.client()).alerts.rules.delete.mutate({ model, kind });
        ctx.output.result(rule, (r) => [`deleted the ${r.kind} alert rule of ${r.model}`]);
      },
    },
  ],
};
