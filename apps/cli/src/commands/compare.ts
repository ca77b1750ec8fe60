import { type CommandGroup, stringFlag } from '../command.ts';
import { renderCompare } from './compare-render.ts';

/** `modelplane compare <model>`: an A/B comparison of the model's versions. */
export const compareGroup: CommandGroup = {
  name: 'compare',
  summary: "compare a model's versions: latency, errors, conversions and lift with significance",
  defaultCommand: 'show',
  commands: [
    {
      name: 'show',
      usage: '<model> [--window 1h]',
      summary: 'the per-version table and each version against the baseline, in plain words',
      details: [
        '--window: how far back to look, such as 15m, 1h (the default) or 7d.',
        'Significance uses always-valid (sequential) intervals, so looking again and again is safe;',
        'the fixed-horizon interval and p-value are shown beside them.',
        '',
        'example: modelplane compare recs --window 24h',
      ],
      options: { window: { type: 'string' } },
      args: ['<model>'],
      async run(ctx, [model = ''], flags) {
        const window = stringFlag(flags, 'window');
        const result = await (await ctx.client()).metrics.compare.query({
          model,
          ...(window !== undefined && { window }),
        });
        ctx.output.result(result, renderCompare);
      },
    },
  ],
};
