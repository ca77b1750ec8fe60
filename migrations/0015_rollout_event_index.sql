-- `rollouts.get` lists a rollout's lifecycle events from the webhook outbox by the rollout id in
-- their payload; without this it would scan every alert event.
CREATE INDEX alert_events_rollout_id ON alert_events ((payload -> 'rollout' ->> 'id'))
  WHERE payload IS NOT NULL;
