import type { CachePolicy, Model } from '@modelplane/schemas';
import { parseChoice, parsePositiveInt } from '../args.ts';
import { type CommandGroup, type FlagValues, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatTime, keyValues, table } from '../output.ts';

const MODEL_FLAGS = {
  description: { type: 'string' },
  cache: { type: 'string' },
  'cache-ttl': { type: 'string' },
} as const;

const MODEL_FLAG_HELP = [
  'flags:',
  '  --description D        free text shown in listings',
  '  --cache on|off         cache predictions for identical inputs on the data plane',
  '  --cache-ttl SECONDS    how long a cached prediction lives (default 300)',
];

// Matches the server's default, so `--cache on` alone means the same on create and in the docs.
const DEFAULT_CACHE_TTL_SECONDS = 300;

function renderModel(model: Model): string[] {
  return keyValues([
    ['name', model.name],
    ['description', model.description],
    ['cache', model.cache.enabled ? `on (ttl ${model.cache.ttlSeconds}s)` : 'off'],
    ['active revision', model.activeRevision],
    ['config generation', model.configGeneration],
    ['created', `${formatTime(model.createdAt)} by ${model.createdBy}`],
  ]);
}

/** The cache flags, checked before any call; undefined when neither was given. */
function cacheFlags(flags: FlagValues): Partial<CachePolicy> | undefined {
  const mode = stringFlag(flags, 'cache');
  const ttl = stringFlag(flags, 'cache-ttl');
  if (mode === undefined && ttl === undefined) return undefined;
  return {
    ...(mode !== undefined && { enabled: parseChoice(mode, ['on', 'off'], '--cache') === 'on' }),
    ...(ttl !== undefined && { ttlSeconds: parsePositiveInt(ttl, '--cache-ttl') }),
  };
}

/** The API takes the whole policy, so what the flags leave out comes from `current` (or the defaults). */
function completePolicy(partial: Partial<CachePolicy>, current: CachePolicy | undefined): CachePolicy {
  return {
    enabled: partial.enabled ?? current?.enabled ?? false,
    ttlSeconds: partial.ttlSeconds ?? current?.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS,
  };
}

/** `modelplane models ...`: the registry's models. */
export const modelsGroup: CommandGroup = {
  name: 'models',
  summary: 'list, inspect, create and update models',
  commands: [
    {
      name: 'list',
      usage: '',
      summary: 'list every model',
      async run(ctx) {
        const models = await (await ctx.client()).models.list.query();
        ctx.output.result(models, (rows) =>
          rows.length === 0
            ? ['no models yet (create one with `modelplane models create <name>`)']
            : table(
                ['NAME', 'REVISION', 'CACHE', 'DESCRIPTION'],
                rows.map((m) => [
                  m.name,
                  m.activeRevision,
                  m.cache.enabled ? `${m.cache.ttlSeconds}s` : 'off',
                  m.description,
                ]),
              ),
        );
      },
    },
    {
      name: 'get',
      usage: '<name>',
      summary: 'show one model',
      args: ['<name>'],
      async run(ctx, [name = '']) {
        ctx.output.result(await (await ctx.client()).models.get.query({ name }), renderModel);
      },
    },
    {
      name: 'create',
      usage: '<name> [--description D] [--cache on|off] [--cache-ttl SECONDS]',
      summary: 'create a model (names are lowercase: a-z, 0-9, ".", "_", "-")',
      details: [
        ...MODEL_FLAG_HELP,
        '',
        'example: modelplane models create recs --description "home feed" --cache on',
      ],
      options: MODEL_FLAGS,
      args: ['<name>'],
      async run(ctx, [name = ''], flags) {
        const description = stringFlag(flags, 'description');
        const partial = cacheFlags(flags);
        const cache = partial && completePolicy(partial, undefined);
        const model = await (await ctx.client()).models.create.mutate({
          name,
          ...(description !== undefined && { description }),
          ...(cache && { cache }),
        });
        ctx.output.result(model, (m) => [`created model ${m.name}`, ...renderModel(m)]);
      },
    },
    {
      name: 'update',
      usage: '<name> [--description D] [--cache on|off] [--cache-ttl SECONDS]',
      summary: "change a model's description or cache policy",
      details: [...MODEL_FLAG_HELP, '', 'example: modelplane models update recs --cache-ttl 60'],
      options: MODEL_FLAGS,
      args: ['<name>'],
      async run(ctx, [name = ''], flags) {
        const description = stringFlag(flags, 'description');
        const partial = cacheFlags(flags);
        if (description === undefined && !partial) {
          throw new UsageError(
            'models update: nothing to change (give --description, --cache or --cache-ttl)',
          );
        }
        const client = await ctx.client();
        // Read-modify-write of the policy: `--cache-ttl 60` alone must not switch the cache off.
        const needsCurrent = partial && (partial.enabled === undefined || partial.ttlSeconds === undefined);
        const current = needsCurrent ? (await client.models.get.query({ name })).cache : undefined;
        const cache = partial && completePolicy(partial, current);
        const model = await client.models.update.mutate({
          name,
          ...(description !== undefined && { description }),
          ...(cache && { cache }),
        });
        ctx.output.result(model, (m) => [`updated model ${m.name}`, ...renderModel(m)]);
      },
    },
  ],
};
