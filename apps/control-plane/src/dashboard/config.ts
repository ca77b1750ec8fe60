import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/** The web dashboard's settings, spread into the control plane's environment schema. */
export const DashboardEnvShape = {
  // How long a dashboard sign-in lasts (absolute, not sliding); past it the page asks for a token again.
  DASHBOARD_SESSION_TTL_SECONDS: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 3600)
      .default(12 * 3600),
  ),
  // The built dashboard (apps/dashboard/dist); unset: found by walking up from the server's own file.
  DASHBOARD_DIR: z.preprocess(emptyAsUndefined, z.string().optional()),
};
