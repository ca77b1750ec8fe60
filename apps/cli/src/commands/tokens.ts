import type { Role } from '@modelplane/schemas';
import { type CommandGroup, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatTime, table } from '../output.ts';

const ROLE_CHOICES = 'viewer|operator|admin|predict';

/** `modelplane tokens ...`: API tokens (admin only). */
export const tokensGroup: CommandGroup = {
  name: 'tokens',
  summary: 'create, list and revoke API tokens (admin only)',
  commands: [
    {
      name: 'create',
      usage: '<name> --role viewer|operator|admin|predict',
      summary: 'create a token; its secret is printed once and cannot be shown again',
      details: [
        'roles: viewer reads; operator also changes models, versions and traffic;',
        '       admin also manages tokens; predict only calls the data plane.',
        '',
        'example: modelplane tokens create ci-deploy --role operator',
      ],
      options: { role: { type: 'string' } },
      args: ['<name>'],
      async run(ctx, [name = ''], flags) {
        const roleText = stringFlag(flags, 'role');
        if (roleText === undefined)
          throw new UsageError(`tokens create: --role is required (${ROLE_CHOICES})`);
        // The server owns the list of roles and names the valid ones when this is not among them.
        const role = roleText as Role;
        const created = await (await ctx.client()).tokens.create.mutate({ name, role });
        ctx.output.result(created, (t) => [
          `created token ${t.id} "${t.name}" (role ${t.role})`,
          '',
          'secret (shown only this once; store it now):',
          '',
          `  ${t.token}`,
          '',
        ]);
      },
    },
    {
      name: 'list',
      usage: '',
      summary: 'every token, revoked ones included (secrets are never shown)',
      async run(ctx) {
        const tokens = await (await ctx.client()).tokens.list.query();
        ctx.output.result(tokens, (rows) =>
          table(
            ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
            rows.map((t) => [
              t.id,
              t.name,
              t.role,
              formatTime(t.createdAt),
              t.lastUsedAt && formatTime(t.lastUsedAt),
              t.revokedAt && formatTime(t.revokedAt),
            ]),
          ),
        );
      },
    },
    {
      name: 'revoke',
      usage: '<id>',
      summary: 'revoke a token by id (tok_...); calls with it fail from then on',
      args: ['<id>'],
      async run(ctx, [id = '']) {
        const revoked = await (await ctx.client()).tokens.revoke.mutate({ id });
        ctx.output.result(revoked, (t) => [`revoked token ${t.id} "${t.name}"`]);
      },
    },
  ],
};
