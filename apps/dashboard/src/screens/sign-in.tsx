import { type FormEvent, useState } from 'react';
import { type Session, signIn } from '../lib/session.ts';

/**
 * Asks for an API token once. The token goes to the control plane, which answers with an HttpOnly
 * session cookie; the page keeps neither the token nor the cookie.
 */
export function SignInScreen(props: { notice: string | null; onSignedIn(session: Session): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (token.trim() === '') {
      setError('Paste an API token (viewer, operator or admin).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(token.trim());
      setToken('');
      props.onSignedIn(session);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Modelplane</h1>
      {props.notice && (
        <p className="notice" role="status">
          {props.notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" className="help">
          A token from <code>modelplane tokens create NAME --role viewer</code>. It is exchanged for a session
          cookie and not kept by this page.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
