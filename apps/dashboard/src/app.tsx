import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { navigate, usePath } from './lib/navigation.ts';
import { loadSession, type Session, signOut } from './lib/session.ts';
import { createClient, errorCode, TRPCProvider } from './lib/trpc.ts';
import { matchScreen, SCREENS } from './screens/registry.tsx';
import { SignInScreen } from './screens/sign-in.tsx';

const SESSION_LOST = 'Your session has ended (it expired, or its token was revoked). Sign in again.';

/** Signed out: the sign-in screen. Signed in: the shell with the screen the path names. */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    loadSession().then(setSession, (err: unknown) => {
      setNotice(`Cannot reach the control plane (${err instanceof Error ? err.message : String(err)}).`);
      setSession(null);
    });
  }, []);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) {
    return (
      <SignInScreen
        notice={notice}
        onSignedIn={(next) => {
          setNotice(null);
          setSession(next);
        }}
      />
    );
  }
  return (
    <SignedIn
      key={session.csrfToken}
      session={session}
      onSignedOut={(message) => {
        setNotice(message);
        setSession(null);
      }}
    />
  );
}

function SignedIn({ session, onSignedOut }: { session: Session; onSignedOut(message: string | null): void }) {
  const [client] = useState(() => createClient(session.csrfToken));
  const [queryClient] = useState(() => {
    // Any call answered UNAUTHORIZED means the session is gone: back to sign-in, saying why.
    const onError = (error: unknown) => {
      if (errorCode(error) === 'UNAUTHORIZED') onSignedOut(SESSION_LOST);
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: { queries: { retry: 1, staleTime: 1000 } },
    });
  });
  const path = usePath();
  const found = matchScreen(path);

  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={client} queryClient={queryClient}>
        <header className="shell">
          <a
            className="brand"
            href="/ui/"
            onClick={(event) => {
              event.preventDefault();
              navigate('/');
            }}
          >
            Modelplane
          </a>
          <nav aria-label="Screens">
            {SCREENS.filter((s) => s.nav).map((s) => (
              <a
                key={s.nav?.href}
                href={`/ui${s.nav?.href}`}
                aria-current={path === s.nav?.href ? 'page' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(s.nav?.href ?? '/');
                }}
              >
                {s.nav?.label}
              </a>
            ))}
          </nav>
          <span className="who" data-testid="who">
            {session.actor} ({session.role})
          </span>
          <button
            type="button"
            onClick={async () => {
              await signOut(session);
              onSignedOut('Signed out.');
            }}
          >
            Sign out
          </button>
        </header>
        <main>{found ? found.screen.render(found.params, session) : <p>No such page.</p>}</main>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
