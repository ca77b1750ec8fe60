import type { ReactNode } from 'react';
import type { Session } from '../lib/session.ts';
import { AlertsScreen } from './alerts/index.tsx';
import { ComparePicker, CompareScreen } from './compare/index.tsx';
import { FleetScreen } from './fleet/index.tsx';
import { ModelDetailScreen } from './model-detail/index.tsx';
import { ModelsScreen } from './models.tsx';
import { RolloutsScreen } from './rollouts/index.tsx';

/** A screen: the paths it answers (below /ui), how it renders, and its entry in the top navigation. */
export interface Screen {
  /** Matched against the path below /ui; the groups are passed to `render` (decoded). */
  path: RegExp;
  render(params: string[], session: Session): ReactNode;
  nav?: { label: string; href: string };
}

/**
 * Every screen, in navigation order. A new screen is one file under screens/ and one entry here.
 */
export const SCREENS: readonly Screen[] = [
  { path: /^\/$/, render: () => <ModelsScreen />, nav: { label: 'Models', href: '/' } },
  {
    path: /^\/models\/([^/]+)\/?$/,
    render: ([model = ''], session) => <ModelDetailScreen key={model} model={model} session={session} />,
  },
  { path: /^\/compare\/?$/, render: () => <ComparePicker />, nav: { label: 'Compare', href: '/compare' } },
  { path: /^\/compare\/([^/]+)\/?$/, render: ([model = '']) => <CompareScreen key={model} model={model} /> },
  { path: /^\/fleet\/?$/, render: () => <FleetScreen />, nav: { label: 'Fleet', href: '/fleet' } },
  {
    path: /^\/rollouts(?:\/([^/]+))?\/?$/,
    render: ([id = ''], session) => <RolloutsScreen id={id} session={session} />,
    nav: { label: 'Rollouts', href: '/rollouts' },
  },
  {
    path: /^\/alerts\/?$/,
    render: (_, session) => <AlertsScreen session={session} />,
    nav: { label: 'Alerts', href: '/alerts' },
  },
];

/** The screen for a path and its decoded parameters, or null (the shell shows "not found"). */
export function matchScreen(path: string): { screen: Screen; params: string[] } | null {
  for (const screen of SCREENS) {
    const match = screen.path.exec(path);
    if (match) {
      try {
        return { screen, params: match.slice(1).map((p) => decodeURIComponent(p ?? '')) };
      } catch {
        return null;
      }
    }
  }
  return null;
}
