import { parseJsonObject, parsePositiveInt, parseRef } from '../args.ts';
import { booleanFlag, type CommandGroup, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatTime, keyValues, table } from '../output.ts';

/** `--steps 1,5,10,25,50,100`: candidate percentages; the control plane checks the ladder's rules. */
function parseSteps(text: string): number[] {
  const steps = text.split(',').map((s) => Number(s.trim()));
  if (steps.length === 0 || steps.some((s) => !Number.isFinite(s))) {
    throw new UsageError(`--steps: expected percentages separated by commas, got "${text}"`);
  }
  return steps;
}

interface RolloutLike {
  id: string;
  model: string;
  candidate: string;
  baseline: string;
  state: string;
  stateReason: string | null;
  steps: number[];
  currentStep: number;
  stepStartedAt: string;
  lastTickAt: string | null;
  ticks?: Array<{
    at: string;
    step: number;
    weight: number;
    decision: string;
    reason: string;
    checks: unknown;
  }>;
  events?: Array<{
    at: string;
    kind: string;
    state: string;
    fromWeight: number | null;
    toWeight: number | null;
    reason: string;
    actor: string;
  }>;
}

/** The ladder with the current step marked, the rollout's state, and the last tick's checks. */
function describeRollout(r: RolloutLike): string[] {
  const ladder = r.steps.map((w, i) => (i === r.currentStep ? `[${w}%]` : `${w}%`)).join(' → ');
  const lines = keyValues([
    ['rollout', r.id],
    ['model', `${r.model}: ${r.baseline} → ${r.candidate}`],
    ['state', r.stateReason ? `${r.state} (${r.stateReason})` : r.state],
    ['steps', ladder],
    ['step since', formatTime(r.stepStartedAt)],
    ['last tick', formatTime(r.lastTickAt)],
  ]);
  const last = r.ticks?.[0];
  if (last && Array.isArray(last.checks) && last.checks.length > 0) {
    const checks = last.checks as Array<{
      check: string;
      verdict: string;
      n: { baseline: number; candidate: number };
      estimate: number | null;
      threshold: number;
      reason: string;
    }>;
    lines.push('', `last tick: ${last.decision} (${last.reason})`);
    lines.push(
      ...table(
        ['CHECK', 'VERDICT', 'N BASE', 'N CAND', 'ESTIMATE', 'THRESHOLD', 'WHY'],
        checks.map((c) => [
          c.check,
          c.verdict,
          c.n.baseline,
          c.n.candidate,
          c.estimate === null ? null : Number(c.estimate.toPrecision(4)),
          c.threshold,
          c.reason,
        ]),
      ),
    );
  }
  if (r.ticks && r.ticks.length > 0) {
    lines.push(
      '',
      ...table(
        ['AT', 'STEP', 'DECISION', 'REASON'],
        r.ticks.map((t) => [formatTime(t.at), `${t.weight}%`, t.decision, t.reason]),
      ),
    );
  }
  if (r.events && r.events.length > 0) {
    const weights = (e: { fromWeight: number | null; toWeight: number | null }) =>
      e.fromWeight === null || e.toWeight === null || e.fromWeight === e.toWeight
        ? ''
        : `${e.fromWeight}% → ${e.toWeight}%`;
    lines.push(
      '',
      'events:',
      ...table(
        ['AT', 'EVENT', 'WEIGHT', 'BY', 'REASON'],
        r.events.map((e) => [
          formatTime(e.at),
          e.state === 'event' ? e.kind : `${e.kind} ${e.state}`,
          weights(e),
          e.actor,
          e.reason,
        ]),
      ),
    );
  }
  return lines;
}

const act = (name: 'approve' | 'pause' | 'resume' | 'abort', summary: string) => ({
  name,
  usage: '<rollout-id>',
  summary,
  args: ['<rollout-id>'],
  async run(ctx: Parameters<CommandGroup['commands'][number]['run']>[0], [id = '']: string[]) {
    const result = await (await ctx.client()).rollouts[name].mutate({ id });
    ctx.output.result(result, describeRollout);
  },
});

/** `modelplane rollouts ...`: progressive delivery of a candidate version, judged by checks. */
export const rolloutsGroup: CommandGroup = {
  name: 'rollouts',
  // The spelling: `modelplane rollout start|status|...`.
  aliases: ['rollout'],
  summary: 'ramp a candidate version step by step; roll back by itself on a regression',
  defaultCommand: 'list',
  commands: [
    {
      name: 'list',
      usage: '[--model M]',
      summary: 'rollouts, newest first',
      options: { model: { type: 'string' } },
      async run(ctx, _args, flags) {
        const model = stringFlag(flags, 'model');
        const rows = await (await ctx.client()).rollouts.list.query(model === undefined ? {} : { model });
        ctx.output.result(rows, (list) =>
          table(
            ['ID', 'MODEL', 'CANDIDATE', 'STATE', 'STEP', 'SINCE'],
            list.map((r) => [
              r.id,
              r.model,
              r.candidate,
              r.state,
              `${r.currentWeight}%`,
              formatTime(r.stepStartedAt),
            ]),
          ),
        );
      },
    },
    {
      name: 'start',
      usage:
        '<model>@<candidate> [--steps 1,5,10,25,50,100] [--bake S] [--min-samples N] [--tick S] [--checks JSON] [--approve-promotion] [--approve-each-step]',
      summary: 'start a rollout of a candidate against the current baseline (operator)',
      details: [
        '--bake S           minimum seconds at each step (default 300)',
        '--min-samples N    minimum requests per arm at each step (default 1000)',
        '--tick S           seconds between evaluations (default 60)',
        '--checks JSON      check settings, see docs/rollouts.md',
      ],
      args: ['<model>@<candidate>'],
      options: {
        steps: { type: 'string' },
        bake: { type: 'string' },
        'min-samples': { type: 'string' },
        tick: { type: 'string' },
        checks: { type: 'string' },
        'approve-promotion': { type: 'boolean' },
        'approve-each-step': { type: 'boolean' },
      },
      async run(ctx, [target = ''], flags) {
        const { model, version } = parseRef(target);
        const steps = stringFlag(flags, 'steps');
        const bake = stringFlag(flags, 'bake');
        const minSamples = stringFlag(flags, 'min-samples');
        const tick = stringFlag(flags, 'tick');
        const checks = stringFlag(flags, 'checks');
        const result = await (await ctx.client()).rollouts.start.mutate({
          model,
          candidate: version,
          ...(steps !== undefined && { steps: parseSteps(steps) }),
          ...(bake !== undefined && { minBakeSeconds: Number(bake) }),
          ...(minSamples !== undefined && { minSamplesPerArm: Number(minSamples) }),
          ...(tick !== undefined && { tickIntervalSeconds: parsePositiveInt(tick, '--tick') }),
          ...(checks !== undefined && { checks: parseJsonObject(checks, '--checks') as never }),
          approvalBeforePromotion: booleanFlag(flags, 'approve-promotion'),
          approvalEachStep: booleanFlag(flags, 'approve-each-step'),
        });
        ctx.output.result(result, describeRollout);
      },
    },
    {
      name: 'show',
      aliases: ['status'],
      usage: '<rollout-id>',
      summary: 'the step ladder, the last tick’s checks and the tick history',
      args: ['<rollout-id>'],
      async run(ctx, [id = '']) {
        const result = await (await ctx.client()).rollouts.get.query({ id });
        ctx.output.result(result, describeRollout);
      },
    },
    act('approve', 'take the step (or promotion) waiting for approval (operator)'),
    act('pause', 'stop advancing; rollback stays armed (operator)'),
    act('resume', 'continue a paused rollout; its step clock restarts (operator)'),
    act('abort', "end the rollout and take the candidate's traffic away (operator)"),
    {
      name: 'promote-now',
      usage: '<model> --reason TEXT',
      summary: "put the model's active rollout at 100 % now, skipping its checks (operator, audited)",
      details: [
        '--reason TEXT   why analysis is skipped (required); kept in the audit log, the rollout',
        '                history and the webhook event',
      ],
      args: ['<model>'],
      options: { reason: { type: 'string' } },
      async run(ctx, [model = ''], flags) {
        const reason = stringFlag(flags, 'reason');
        if (reason === undefined || reason.trim() === '') {
          throw new UsageError('promote-now: --reason is required (it is audited)');
        }
        const result = await (await ctx.client()).rollouts.promoteNow.mutate({ model, reason });
        ctx.output.result(result, describeRollout);
      },
    },
  ],
};
