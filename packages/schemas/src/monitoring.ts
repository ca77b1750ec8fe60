import { z } from 'zod';
import { ModelNameSchema } from './names.ts';

/** Request ids as the data plane issues or accepts them (`x-request-id`). */
const RequestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'requestId: 1-128 of A-Z a-z 0-9 . _ : -');

/**
 * `POST /v1/feedback`: the outcome of one prediction. `true`/`false` is a conversion; a number is a
 * value such as revenue. `model` is optional; it lets `compare` attribute feedback that matched nothing.
 */
export const FeedbackRequestSchema = z
  .object({
    requestId: RequestIdSchema,
    outcome: z.union([z.boolean(), z.number().refine(Number.isFinite, 'must be finite')]),
    model: ModelNameSchema.optional(),
  })
  .strict();
export type FeedbackRequest = z.infer<typeof FeedbackRequestSchema>;

/** `15m`, `1h`, `7d`: a look-back window, at most 90 days. */
export const WindowSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,4}[mhd]$/, 'window: a number followed by m, h or d, such as 15m, 1h or 7d')
  .refine((text) => windowMs(text) <= 90 * 86_400_000, 'window: at most 90 days');

/** Milliseconds in a window string (assumes WindowSchema already accepted it). */
export function windowMs(text: string): number {
  const amount = Number(text.slice(0, -1));
  const unit = text.slice(-1);
  return amount * (unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000);
}

export const CompareInputSchema = z
  .object({
    model: ModelNameSchema,
    window: WindowSchema.optional(),
    /** mSPRT tuning in units (default 5000). */
    tuning: z.number().int().min(100).max(10_000_000).optional(),
  })
  .strict();
export type CompareInput = z.infer<typeof CompareInputSchema>;

export const ALERT_KINDS = ['p99_latency', 'error_rate', 'srm', 'replica_stale'] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKindSchema>;

/**
 * One rule per model and kind. Thresholds: `p99_latency` in ms, `error_rate` as a fraction (0.05 =
 * 5 %), `srm` as the p-value below which it fires (default 0.001), `replica_stale` in seconds.
 */
export const SetAlertRuleInputSchema = z
  .object({
    model: ModelNameSchema,
    kind: AlertKindSchema,
    threshold: z.number().positive().refine(Number.isFinite, 'must be finite').optional(),
    /** Evaluation window for latency and error rate (default 5). */
    windowMinutes: z.number().int().min(1).max(1440).optional(),
    /** Fewer requests (or units, for SRM) than this in the window never fire (default 100). */
    minRequests: z.number().int().min(0).max(1_000_000_000).optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.kind === 'error_rate' && input.threshold !== undefined && input.threshold > 1) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'an error rate is a fraction (0-1]' });
    }
    if (input.kind === 'srm' && input.threshold !== undefined && input.threshold >= 1) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'an SRM threshold is a p-value below 1' });
    }
    if ((input.kind === 'p99_latency' || input.kind === 'replica_stale') && input.threshold === undefined) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: `${input.kind} needs a threshold` });
    }
  });
export type SetAlertRuleInput = z.infer<typeof SetAlertRuleInputSchema>;

export const DeleteAlertRuleInputSchema = z
  .object({ model: ModelNameSchema, kind: AlertKindSchema })
  .strict();

export const ListAlertsInputSchema = z
  .object({
    model: ModelNameSchema.optional(),
    limit: z.number().int().min(1).max(500).optional(),
  })
  .strict();

export const SetPayloadLoggingInputSchema = z
  .object({
    model: ModelNameSchema,
    /** Share of requests whose input and output are stored (0-1); failures are always stored. */
    sampleRate: z.number().min(0).max(1),
    enabled: z.boolean(),
  })
  .strict();
export type SetPayloadLoggingInput = z.infer<typeof SetPayloadLoggingInputSchema>;
