import type { Role, TokenRate } from '@modelplane/schemas';
import { parsePositiveInt } from '../args.ts';
import type { CommandGroup } from '../command.ts';
import { booleanFlag, type FlagValues, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatTime, table } from '../output.ts';

const ROLE_CHOICES = 'viewer|operator|admin|predict';

/** `--rate R --burst B` as a quota; both or neither (the burst defaults to one second at the rate). */
function rateFlags(flags: FlagValues, command: string): TokenRate | undefined {
  const rate = stringFlag(flags, 'rate');
  const burst = stringFlag(flags, 'burst');
  if (rate === undefined) {
    if (burst !== undefined) throw new UsageError(`${command}: --burst needs --rate`);
    return undefined;
  }
  const perSecond = Number(rate);
  if (rate.trim() === '' || !Number.isFinite(perSecond) || perSecond <= 0) {
    throw new UsageError(`${command}: --rate: "${rate}" is not a positive number of requests per second`);
  }
  return {
    perSecond,
    burst: burst === undefined ? Math.max(1, Math.ceil(perSecond)) : parsePositiveInt(burst, '--burst'),
  };
}

const rateText = (rate: TokenRate | null) => (rate ? `${rate.perSecond}/s burst ${rate.burst}` : null);

/** `modelplane tokens ...`: API tokens (admin only). */
export const tokensGroup: CommandGroup = {
  name: 'tokens',
  summary: 'create, list, update (quotas) and revoke API tokens (admin only)',
  commands: [
    {
      name: 'create',
      usage: '<name> --role viewer|operator|admin|predict [--rate R/s [--burst N]]',
      summary: 'create a token; its secret is printed once and cannot be shown again',
      details: [
        'roles: viewer reads; operator also changes models, versions and traffic;',
        '       admin also manages tokens; predict only calls the data plane.',
        '',
        'quota (predict tokens): --rate R requests per second across the whole fleet, with bursts of up',
        '       to --burst N (default: one second at the rate); over it the data plane answers 429.',
        '',
        'example: modelplane tokens create ci-deploy --role operator',
        'example: modelplane tokens create checkout-service --role predict --rate 500 --burst 1000',
      ],
      options: { role: { type: 'string' }, rate: { type: 'string' }, burst: { type: 'string' } },
      args: ['<name>'],
      async run(ctx, [name = ''], flags) {
        const roleText = stringFlag(flags, 'role');
        if (roleText === undefined)
          throw new UsageError(`tokens create: --role is required (${ROLE_CHOICES})`);
        // The server owns the list of roles and names the valid ones when this is not among them.
        const role = roleText as Role;
        const rate = rateFlags(flags, 'tokens create');
        const created = await (await ctx.client()).tokens.create.mutate({
          name,
          role,
          ...(rate && { rate }),
        });
        ctx.output.result(created, (t) => [
          `created token ${t.id} "${t.name}" (role ${t.role}${t.rate ? `, quota ${rateText(t.rate)}` : ''})`,
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
            ['ID', 'NAME', 'ROLE', 'QUOTA', 'CREATED', 'LAST USED', 'REVOKED'],
            rows.map((t) => [
              t.id,
              t.name,
              t.role,
              rateText(t.rate),
              formatTime(t.createdAt),
              t.lastUsedAt && formatTime(t.lastUsedAt),
              t.revokedAt && formatTime(t.revokedAt),
            ]),
          ),
        );
      },
    },
    {
      name: 'update',
      usage: '<id> --rate R/s [--burst N] | --no-rate',
      summary: "set or remove a predict token's quota; replicas apply it within moments",
      details: ['example: modelplane tokens update tok_abc --rate 200 --burst 400'],
      options: { rate: { type: 'string' }, burst: { type: 'string' }, 'no-rate': { type: 'boolean' } },
      args: ['<id>'],
      async run(ctx, [id = ''], flags) {
        const rate = rateFlags(flags, 'tokens update');
        const remove = booleanFlag(flags, 'no-rate');
        if ((rate === undefined) === !remove) {
          throw new UsageError('tokens update: give either --rate R [--burst N] or --no-rate');
        }
        const updated = await (await ctx.client()).tokens.update.mutate({ id, rate: rate ?? null });
        ctx.output.result(updated, (t) => [
          `token ${t.id} "${t.name}": ${t.rate ? `quota ${rateText(t.rate)}` : 'no quota'}`,
        ]);
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
