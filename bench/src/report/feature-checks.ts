import type { NotRun } from '../scenarios/types.ts';
import type { HttpRow } from './types.ts';

/**
 * Scenarios whose figures this run cannot support, judged from what the servers did rather than
 * from what was configured: batching counts only if /metrics saw batched runs, logging only if
 * prediction-log rows appeared (and then on versus off can be compared).
 */
export function featureGaps(http: HttpRow[]): NotRun[] {
  if (http.length === 0) return [];
  const gaps: NotRun[] = [];
  const batched = http.filter((r) => r.id.endsWith('-batched'));
  if (batched.length === 0 || batched.some((r) => !(r.counters.batches && r.counters.batches > 0))) {
    gaps.push({
      scenario: 4,
      title: 'Dynamic batching on/off',
      reason:
        'not measured: the data plane reported no batched model runs in /metrics for the models configured with ' +
        '`maxBatchSize`/`maxDelayMs` (dynamic batching, issue 4, has not landed in the build that ran)',
    });
  }
  const modelplane = http.find((r) => r.id === 'modelplane');
  if (modelplane && modelplane.counters.logRows === undefined) {
    gaps.push({
      scenario: 7,
      title: 'Prediction-log ingestion',
      reason:
        'not measured: the bench database has no prediction_log table (the prediction log, issue 6, has not landed)',
    });
  }
  return gaps;
}
