import type { CachePurgeResult } from '@modelplane/schemas';
import { parseRef } from '../args.ts';
import type { CommandGroup } from '../command.ts';

/** `recs` or `recs@2.0.0`: a whole model, or one of its versions. */
function purgeTarget(text: string): { model: string; version?: string } {
  return text.includes('@') ? parseRef(text) : { model: text };
}

function describePurge(result: CachePurgeResult): string[] {
  const scope = result.version === null ? result.model : `${result.model}@${result.version}`;
  return [
    `purged the prediction cache of ${scope}`,
    `replicas empty both cache tiers once they apply config generation ${result.configGeneration}`,
  ];
}

/** `modelplane cache ...`: the data planes' prediction cache. */
export const cacheGroup: CommandGroup = {
  name: 'cache',
  summary: "empty the data planes' prediction cache",
  commands: [
    {
      name: 'purge',
      usage: '<model>[@<version>]',
      summary: 'forget cached predictions of a model, or of one version, on every replica (audited)',
      details: [
        'examples:',
        '  modelplane cache purge recs          # every version of recs',
        '  modelplane cache purge recs@2.0.0    # only recs@2.0.0',
      ],
      args: ['<model>[@<version>]'],
      async run(ctx, [target = '']) {
        const result = await (await ctx.client()).cache.purge.mutate(purgeTarget(target));
        ctx.output.result(result, describePurge);
      },
    },
  ],
};
