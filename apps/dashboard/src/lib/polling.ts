/**
 * How often screens refresh. TanStack Query pauses interval refetches while the tab is hidden
 * (refetchIntervalInBackground stays false) and refetches when it is shown again.
 */
export const POLL_MS = 3000;

export const live = { refetchInterval: POLL_MS, refetchIntervalInBackground: false } as const;
