import type { AppRouter } from '@modelplane/control-plane';
import type { inferRouterOutputs } from '@trpc/server';

export type AlertRule = inferRouterOutputs<AppRouter>['alerts']['list']['rules'][number];
export type AlertKind = AlertRule['kind'];

/** Each rule kind, in words, with its threshold's unit (as `alerts.rules.set` takes it). */
export const KINDS: Record<AlertKind, { label: string; unit: string }> = {
  p99_latency: { label: 'p99 latency above', unit: 'ms' },
  error_rate: { label: 'error rate above', unit: 'fraction, 0.05 = 5 %' },
  srm: { label: 'sample ratio mismatch, p below', unit: 'p-value' },
  replica_stale: { label: 'replica lagging longer than', unit: 's' },
};

export const KIND_NAMES = Object.keys(KINDS) as AlertKind[];

export function describeThreshold(rule: Pick<AlertRule, 'kind' | 'threshold'>): string {
  switch (rule.kind) {
    case 'p99_latency':
      return `${rule.threshold} ms`;
    case 'error_rate':
      return `${Number((rule.threshold * 100).toFixed(4))} %`;
    case 'srm':
      return `p < ${rule.threshold}`;
    case 'replica_stale':
      return `${rule.threshold} s`;
  }
}

/** A rule's reading in its kind's unit (a rate as a percentage). */
export function describeValue(kind: AlertKind, value: number | null): string {
  if (value === null) return '—';
  if (kind === 'error_rate') return `${Number((value * 100).toFixed(4))} %`;
  const rounded = Number(value.toPrecision(4));
  return kind === 'p99_latency'
    ? `${rounded} ms`
    : kind === 'replica_stale'
      ? `${rounded} s`
      : String(rounded);
}
