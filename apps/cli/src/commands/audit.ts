import { parsePositiveInt } from '../args.ts';
import { type CommandGroup, stringFlag } from '../command.ts';
import { formatTime, table } from '../output.ts';

/** `modelplane audit`: who changed what, newest first. */
export const auditGroup: CommandGroup = {
  name: 'audit',
  summary: 'show the audit log of every change',
  defaultCommand: 'list',
  commands: [
    {
      name: 'list',
      usage: '[--target T] [--limit N]',
      summary: 'audit entries, newest first (--target: a model name, name@version or token id)',
      details: ['example: modelplane audit --target recs --limit 20'],
      options: { target: { type: 'string' }, limit: { type: 'string' } },
      async run(ctx, _args, flags) {
        const target = stringFlag(flags, 'target');
        const limit = stringFlag(flags, 'limit');
        const input = {
          ...(target !== undefined && { target }),
          ...(limit !== undefined && { limit: parsePositiveInt(limit, '--limit') }),
        };
        const entries = await (await ctx.client()).audit.list.query(input);
        ctx.output.result(entries, (rows) =>
          table(
            ['ID', 'AT', 'ACTOR', 'ROLE', 'ACTION', 'TARGET', 'FROM', 'REQUEST'],
            rows.map((e) => [
              e.id,
              formatTime(e.createdAt),
              e.actor,
              e.actorRole,
              e.action,
              e.target,
              e.sourceAddress,
              e.requestId,
            ]),
          ),
        );
      },
    },
  ],
};
