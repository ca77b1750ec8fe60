import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { dateTime } from '../../lib/format.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { RuleForm } from './rule-form.tsx';
import { type AlertRule, describeThreshold, describeValue, KINDS } from './types.ts';

const ruleKey = (r: AlertRule) => `${r.model}/${r.kind}`;

/** Every rule with its state and last reading; operators add, edit and delete (viewers only read). */
export function RulesPanel({ rules, operator }: { rules: AlertRule[]; operator: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const remove = useMutation(
    trpc.alerts.rules.delete.mutationOptions({
      onSuccess: (gone) => {
        setDone(`Deleted the rule ${gone.model} ${gone.kind}.`);
        void queryClient.invalidateQueries();
      },
      onSettled: () => setDeleting(null),
    }),
  );
  const finish = (message: string | null) => {
    setEditing(null);
    if (message) setDone(message);
  };

  return (
    <section className="panel" aria-labelledby="rules-title">
      <h2 id="rules-title">Rules</h2>
      {rules.length === 0 && <p>No alert rules.</p>}
      {rules.length > 0 && (
        <div className="table-wrap">
          <table className="rules">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Rule</th>
                <th scope="col">Window</th>
                <th scope="col">Min. requests</th>
                <th scope="col">State</th>
                <th scope="col">Last value</th>
                <th scope="col">Set by</th>
                {operator && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={ruleKey(r)} data-rule={ruleKey(r)}>
                  <th scope="row">{r.model}</th>
                  <td data-field="rule">
                    {KINDS[r.kind].label} {describeThreshold(r)}
                  </td>
                  <td>{r.windowMinutes} min</td>
                  <td className="num">{r.minRequests}</td>
                  <td data-field="state">
                    <span className={`badge badge-alert-${r.state}`}>{r.state}</span>
                    {r.stateChangedAt && <span className="muted"> since {dateTime(r.stateChangedAt)}</span>}
                  </td>
                  <td className="num">{describeValue(r.kind, r.lastValue)}</td>
                  <td>{r.createdBy}</td>
                  {operator && (
                    <td>
                      <button
                        type="button"
                        aria-label={`Edit rule ${r.model} ${r.kind}`}
                        onClick={() => {
                          setDone(null);
                          setEditing(ruleKey(r));
                        }}
                      >
                        Edit
                      </button>{' '}
                      <button
                        type="button"
                        aria-label={`Delete rule ${r.model} ${r.kind}`}
                        onClick={() => {
                          setDone(null);
                          remove.reset();
                          setDeleting(r);
                        }}
                      >
                        Delete…
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {operator && editing && (
        <RuleForm key={editing} rule={rules.find((r) => ruleKey(r) === editing)} onDone={finish} />
      )}
      {operator && !editing && (
        <details>
          <summary>Add a rule</summary>
          <RuleForm onDone={finish} />
        </details>
      )}
      <ErrorBanner error={remove.error} what="The rule was not deleted" />
      {done && <p role="status">{done}</p>}
      {deleting && (
        <ConfirmDialog
          title={`Delete the rule ${deleting.model} ${deleting.kind}?`}
          effect={`${deleting.model} is no longer alerted on ${KINDS[deleting.kind].label} ${describeThreshold(deleting)}${deleting.state === 'firing' ? ' (it is firing now)' : ''}.`}
          confirmLabel="Delete rule"
          busy={remove.isPending}
          onConfirm={() => remove.mutate({ model: deleting.model, kind: deleting.kind })}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
