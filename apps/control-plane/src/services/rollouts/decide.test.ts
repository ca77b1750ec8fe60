import { describe, expect, it } from 'vitest';
import type { CheckResult, Verdict } from './checks.ts';
import { type DecisionInput, decide } from './decide.ts';

const base: DecisionInput = {
  state: 'running',
  steps: [1, 5, 10, 25, 50, 100],
  currentStep: 1,
  stepAgeSeconds: 600,
  minBakeSeconds: 300,
  minSamplesPerArm: 1000,
  samples: { baseline: 50_000, candidate: 2_500 },
  failureLimit: 3,
  errorLimit: 2,
  maxStepDurationSeconds: 3600,
  approvalBeforePromotion: false,
  approvalEachStep: false,
  consecutiveFailures: 0,
  consecutiveErrors: 0,
};

function checks(errorRate: Verdict, latency: Verdict, opts: { latencyDryRun?: boolean } = {}): CheckResult[] {
  const mk = (
    check: CheckResult['check'],
    verdict: Verdict,
    critical: boolean,
    dryRun = false,
  ): CheckResult => ({
    check,
    verdict,
    critical,
    dryRun,
    n: { baseline: 1, candidate: 1 },
    estimate: null,
    interval: null,
    threshold: 0,
    reason: '',
  });
  return [
    mk('srm', 'PASS', false),
    mk('error_rate', errorRate, true),
    mk('latency_p99', latency, false, opts.latencyDryRun),
  ];
}

// Each row: the rollout, the verdicts (error rate critical, latency not), the expected decision and counters.
const cases: Array<{
  name: string;
  input?: Partial<DecisionInput>;
  verdicts: [Verdict, Verdict];
  latencyDryRun?: boolean;
  decision: string;
  failures?: number;
  errors?: number;
}> = [
  { name: 'all pass, baked, enough samples → advance', verdicts: ['PASS', 'PASS'], decision: 'advance' },
  { name: 'critical FAIL → rollback at once', verdicts: ['FAIL', 'PASS'], decision: 'rollback', failures: 1 },
  { name: 'non-critical FAIL, first tick → hold', verdicts: ['PASS', 'FAIL'], decision: 'hold', failures: 1 },
  {
    name: 'non-critical FAIL, third consecutive tick → rollback',
    input: { consecutiveFailures: 2 },
    verdicts: ['PASS', 'FAIL'],
    decision: 'rollback',
    failures: 3,
  },
  {
    name: 'a PASS tick resets the failure count',
    input: { consecutiveFailures: 2 },
    verdicts: ['PASS', 'PASS'],
    decision: 'advance',
    failures: 0,
  },
  { name: 'dryRun FAIL never gates', verdicts: ['PASS', 'FAIL'], latencyDryRun: true, decision: 'advance' },
  { name: 'INCONCLUSIVE holds', verdicts: ['PASS', 'INCONCLUSIVE'], decision: 'hold' },
  {
    name: 'INCONCLUSIVE past maxStepDuration → pause',
    input: { stepAgeSeconds: 3600 },
    verdicts: ['INCONCLUSIVE', 'PASS'],
    decision: 'pause',
  },
  {
    name: 'zero traffic never advances',
    input: { samples: { baseline: 0, candidate: 0 } },
    verdicts: ['PASS', 'PASS'],
    decision: 'hold',
  },
  {
    name: 'bake time not met → hold',
    input: { stepAgeSeconds: 299 },
    verdicts: ['PASS', 'PASS'],
    decision: 'hold',
  },
  { name: 'ERROR within the limit → hold', verdicts: ['PASS', 'ERROR'], decision: 'hold', errors: 1 },
  {
    name: 'ERROR beyond the limit → pause',
    input: { consecutiveErrors: 2 },
    verdicts: ['PASS', 'ERROR'],
    decision: 'pause',
    errors: 3,
  },
  {
    name: 'next step 100 → promote',
    input: { currentStep: 4 },
    verdicts: ['PASS', 'PASS'],
    decision: 'promote',
  },
  {
    name: 'promotion needs approval',
    input: { currentStep: 4, approvalBeforePromotion: true },
    verdicts: ['PASS', 'PASS'],
    decision: 'await_approval',
  },
  {
    name: 'each increase needs approval',
    input: { approvalEachStep: true },
    verdicts: ['PASS', 'PASS'],
    decision: 'await_approval',
  },
  {
    name: 'waiting for approval: rollback stays armed',
    input: { state: 'waiting_approval' },
    verdicts: ['FAIL', 'PASS'],
    decision: 'rollback',
    failures: 1,
  },
  {
    name: 'waiting for approval: passing checks do not advance',
    input: { state: 'waiting_approval' },
    verdicts: ['PASS', 'PASS'],
    decision: 'hold',
  },
  {
    name: 'paused: rollback stays armed',
    input: { state: 'paused', consecutiveFailures: 2 },
    verdicts: ['PASS', 'FAIL'],
    decision: 'rollback',
    failures: 3,
  },
  {
    name: 'paused: passing checks hold',
    input: { state: 'paused' },
    verdicts: ['PASS', 'PASS'],
    decision: 'hold',
  },
];

describe('decide', () => {
  it.each(cases)('$name', ({ input, verdicts, latencyDryRun, decision, failures, errors }) => {
    const result = decide({ ...base, ...input }, checks(verdicts[0], verdicts[1], { latencyDryRun }));
    expect(result.decision).toBe(decision);
    if (failures !== undefined) expect(result.consecutiveFailures).toBe(failures);
    if (errors !== undefined) expect(result.consecutiveErrors).toBe(errors);
    expect(result.reason.length).toBeGreaterThan(0);
  });
});

describe('decide with a conversion check (a promotion gate)', () => {
  const withConversion = (verdict: Verdict, dryRun = false): CheckResult[] => [
    ...checks('PASS', 'PASS'),
    {
      check: 'conversion',
      verdict,
      critical: false,
      dryRun,
      promotionGate: true,
      n: { baseline: 1, candidate: 1 },
      estimate: null,
      interval: null,
      threshold: -0.01,
      reason: 'non-inferiority not shown',
    },
  ];

  it.each([
    ['INCONCLUSIVE does not hold the ramp', 1, 'INCONCLUSIVE', false, 'advance'],
    ['INCONCLUSIVE at the last step waits for approval', 4, 'INCONCLUSIVE', false, 'await_approval'],
    ['non-inferior at the last step promotes', 4, 'PASS', false, 'promote'],
    ['a dryRun conversion never gates promotion', 4, 'INCONCLUSIVE', true, 'promote'],
    ['FAIL holds until failureLimit', 1, 'FAIL', false, 'hold'],
  ] as const)('%s', (_name, currentStep, verdict, dryRun, decision) => {
    const result = decide({ ...base, currentStep }, withConversion(verdict, dryRun));
    expect(result.decision).toBe(decision);
    if (decision === 'await_approval') {
      expect(result.reason).toBe('promotion needs approval: conversion: non-inferiority not shown');
    }
  });
});
