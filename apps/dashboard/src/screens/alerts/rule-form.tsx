import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { useTRPC } from '../../lib/trpc.ts';
import { type AlertKind, type AlertRule, KIND_NAMES, KINDS } from './types.ts';

/** '' → undefined (the control plane's default); otherwise a number, or NaN when it is not one. */
function parseOptional(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/**
 * Creates a rule, or edits one (model and kind fixed): `alerts.rules.set`, the CLI's procedure.
 * Fields left empty take the control plane's defaults; the control plane names any bad field.
 */
export function RuleForm({ rule, onDone }: { rule?: AlertRule; onDone(message: string | null): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [model, setModel] = useState(rule?.model ?? '');
  const [kind, setKind] = useState<AlertKind>(rule?.kind ?? 'p99_latency');
  const [threshold, setThreshold] = useState(rule ? String(rule.threshold) : '');
  const [windowMinutes, setWindowMinutes] = useState(rule ? String(rule.windowMinutes) : '');
  const [minRequests, setMinRequests] = useState(rule ? String(rule.minRequests) : '');
  const set = useMutation(
    trpc.alerts.rules.set.mutationOptions({
      onSuccess: (saved) => {
        void queryClient.invalidateQueries();
        onDone(`Saved the rule ${saved.model} ${saved.kind}.`);
      },
    }),
  );
  const fields = {
    threshold: parseOptional(threshold),
    windowMinutes: parseOptional(windowMinutes),
    minRequests: parseOptional(minRequests),
  };
  const invalid = Object.entries(fields).find(([, v]) => v !== undefined && !Number.isFinite(v))?.[0];
  const id = rule ? `rule-${rule.model}-${rule.kind}` : 'rule-new';

  return (
    <form
      className="action rule-form"
      aria-label={rule ? `Edit rule ${rule.model} ${rule.kind}` : 'New rule'}
      onSubmit={(event) => {
        event.preventDefault();
        if (invalid || !model) return;
        set.mutate({ model: model.trim(), kind, ...fields });
      }}
    >
      <label>
        <span>Model</span>
        <input
          id={`${id}-model`}
          value={model}
          disabled={!!rule}
          onChange={(e) => setModel(e.target.value)}
        />
      </label>
      <label>
        <span>Kind</span>
        <select value={kind} disabled={!!rule} onChange={(e) => setKind(e.target.value as AlertKind)}>
          {KIND_NAMES.map((k) => (
            <option key={k} value={k}>
              {k}: {KINDS[k].label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Threshold ({KINDS[kind].unit})</span>
        <input inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
      </label>
      <label>
        <span>Window (minutes)</span>
        <input inputMode="numeric" value={windowMinutes} onChange={(e) => setWindowMinutes(e.target.value)} />
      </label>
      <label>
        <span>Minimum requests</span>
        <input inputMode="numeric" value={minRequests} onChange={(e) => setMinRequests(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={set.isPending || !!invalid || !model.trim()}>
        Save rule
      </button>
      <button type="button" onClick={() => onDone(null)}>
        Cancel
      </button>
      {invalid && (
        <span className="error" role="alert">
          {invalid}: enter a number (or leave it empty for the default).
        </span>
      )}
      <ErrorBanner error={set.error} what="The rule was not saved" />
    </form>
  );
}
