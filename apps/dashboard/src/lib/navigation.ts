import { useEffect, useState } from 'react';

/** Where the app is mounted; every screen's path is below it. */
export const BASE = '/ui';

/** The path below /ui, e.g. `/` or `/models/recs`. */
function currentPath(): string {
  const path = window.location.pathname;
  return path.startsWith(BASE) ? path.slice(BASE.length) || '/' : '/';
}

/** Moves to a screen without reloading (the back button works, and so does a reload). */
export function navigate(path: string): void {
  window.history.pushState(null, '', `${BASE}${path}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}
