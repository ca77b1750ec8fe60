-- Rollout events go out through the alert webhook's outbox (same URL, claims, retries and history):
-- lifecycle events (start, step, pause, rollback, promotion, ...) with state 'event', and rollout
-- alerts (SRM failing, the controller pausing) as 'firing' / 'resolved'.

ALTER TABLE alert_events DROP CONSTRAINT alert_events_state_check;
ALTER TABLE alert_events
  ADD CONSTRAINT alert_events_state_check CHECK (state IN ('firing', 'resolved', 'event'));
-- A lifecycle event has no threshold.
ALTER TABLE alert_events ALTER COLUMN threshold DROP NOT NULL;
-- The rollout's part of the webhook body (rollout, versions, weights, reason, tick); null for rule alerts.
ALTER TABLE alert_events ADD COLUMN payload jsonb;
