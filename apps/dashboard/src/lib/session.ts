/** A signed-in session as the control plane describes it (the API token itself never reaches the page). */
export interface Session {
  actor: string;
  role: 'viewer' | 'operator' | 'admin';
  csrfToken: string;
  expiresAt: string;
}

// Sign-in is the one exchange outside tRPC: it sets an HttpOnly cookie, which a procedure cannot.
const SESSION_URL = '/ui/session';

async function problemMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `the control plane answered ${response.status}`;
}

/** The current session, or null when not signed in (or it expired). Throws when the server is unreachable. */
export async function loadSession(): Promise<Session | null> {
  const response = await fetch(SESSION_URL, { credentials: 'same-origin' });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(await problemMessage(response));
  return (await response.json()) as Session;
}

/** Exchanges a pasted token for a session cookie; throws with the server's reason when refused. */
export async function signIn(token: string): Promise<Session> {
  let response: Response;
  try {
    response = await fetch(SESSION_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  } catch {
    throw new Error('Cannot reach the control plane. Check that it is running.');
  }
  if (!response.ok) throw new Error(await problemMessage(response));
  return (await response.json()) as Session;
}

export async function signOut(session: Session): Promise<void> {
  await fetch(SESSION_URL, {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: { 'x-csrf-token': session.csrfToken },
  }).catch(() => {});
}

/** Whether this role may change anything (viewers only look). */
export const canAct = (session: Session) => session.role === 'operator' || session.role === 'admin';
