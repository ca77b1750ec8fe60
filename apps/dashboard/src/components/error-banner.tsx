import { describeError } from '../lib/trpc.ts';

/** A failed call, said in words (never a blank panel or a stack trace). */
export function ErrorBanner({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {what ? `${what}: ` : ''}
      {describeError(error)}
    </p>
  );
}
