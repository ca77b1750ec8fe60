const LABELS: Record<string, string> = {
  baseline: 'baseline',
  variant: 'variant',
  idle: 'no traffic',
  archived: 'archived',
};

/** A version's part in the split, as a small labelled badge. */
export function RoleBadge({ role }: { role: string }) {
  return <span className={`badge badge-${role}`}>{LABELS[role] ?? role}</span>;
}
