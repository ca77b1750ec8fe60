-- Progressive delivery: a rollout ramps a candidate version through explicit steps, judged against
-- the baseline by checks recomputed from prediction_rollups on every tick, and one row per tick
-- records the evidence and the decision taken.

CREATE TABLE rollouts (
  id text PRIMARY KEY,
  model_id text NOT NULL REFERENCES models (id),
  candidate_version_id text NOT NULL REFERENCES model_versions (id),
  baseline_version_id text NOT NULL REFERENCES model_versions (id),
  -- Traffic percentages for the candidate, strictly increasing, ending at 100 (promotion).
  steps jsonb NOT NULL,
  min_bake_seconds integer NOT NULL CHECK (min_bake_seconds >= 0),
  min_samples_per_arm integer NOT NULL CHECK (min_samples_per_arm >= 0),
  -- The checks and their thresholds, critical and dryRun flags, failure and error limits.
  check_config jsonb NOT NULL,
  tick_interval_seconds integer NOT NULL CHECK (tick_interval_seconds > 0),
  -- {"approvalBeforePromotion": bool, "approvalEachStep": bool}
  options jsonb NOT NULL,
  state text NOT NULL CHECK (
    state IN ('running', 'waiting_approval', 'paused', 'rolled_back', 'promoted', 'aborted')
  ),
  current_step integer NOT NULL CHECK (current_step >= 0),
  step_started_at timestamptz NOT NULL,
  consecutive_failures integer NOT NULL DEFAULT 0,
  consecutive_errors integer NOT NULL DEFAULT 0,
  last_tick_at timestamptz,
  -- Why the rollout is in its state (the decision's reason, or the operator's action).
  state_reason text,
  -- Optimistic concurrency: every transition is UPDATE ... WHERE id = ? AND version = ?.
  version integer NOT NULL DEFAULT 0,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- At most one rollout per model that has not finished.
CREATE UNIQUE INDEX rollouts_one_active_per_model ON rollouts (model_id)
  WHERE state IN ('running', 'waiting_approval', 'paused');

CREATE TABLE rollout_ticks (
  id bigserial PRIMARY KEY,
  rollout_id text NOT NULL REFERENCES rollouts (id),
  ticked_at timestamptz NOT NULL DEFAULT now(),
  step integer NOT NULL,
  -- The candidate's percentage at this step.
  weight double precision NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  -- Per check: verdict (PASS/FAIL/INCONCLUSIVE/ERROR), n per arm, estimate, interval, threshold.
  checks jsonb NOT NULL,
  decision text NOT NULL,
  reason text NOT NULL,
  -- The rollout's state after this tick.
  state text NOT NULL
);
CREATE INDEX rollout_ticks_rollout_idx ON rollout_ticks (rollout_id, id);
