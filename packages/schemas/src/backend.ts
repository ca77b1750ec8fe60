import { z } from 'zod';

export const BACKEND_KINDS = ['onnx', 'oip', 'tfserving'] as const;
export const BackendKindSchema = z.enum(BACKEND_KINDS);
export type BackendKind = z.infer<typeof BackendKindSchema>;

/** http(s) only and no credentials in the URL: endpoints end up in logs, audit rows and heartbeats. */
export const EndpointUrlSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'endpoint must be an http(s) URL without credentials');

const RemoteNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'invalid remote model name');

export const BackendSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('onnx') }).strict(),
  z
    .object({
      kind: z.literal('oip'),
      url: EndpointUrlSchema,
      remoteName: RemoteNameSchema,
      remoteVersion: z.string().max(64).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('tfserving'),
      url: EndpointUrlSchema,
      remoteName: RemoteNameSchema,
      remoteVersion: z.string().max(64).optional(),
    })
    .strict(),
]);
export type Backend = z.infer<typeof BackendSchema>;

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex characters');

export const ArtifactSchema = z
  .object({
    uri: z
      .string()
      .max(2048)
      .regex(/^(file|https?|artifact):\/\//, 'artifact uri must be file://, http(s):// or artifact://'),
    sha256: Sha256Schema,
  })
  .strict();
export type Artifact = z.infer<typeof ArtifactSchema>;

/** Per-version serving behaviour. It may change after registration (audited); identity may not. */
export const ServingOptionsSchema = z
  .object({
    deadlineMs: z.number().int().min(1).max(600_000).optional(),
    maxBatchSize: z.number().int().min(1).max(4096).optional(),
    maxDelayMs: z.number().min(0).max(1000).optional(),
    maxInFlight: z.number().int().min(1).max(100_000).optional(),
    maxQueue: z.number().int().min(0).max(1_000_000).optional(),
    queueTimeoutMs: z.number().int().min(1).max(600_000).optional(),
    fallbackToBaseline: z.boolean().optional(),
    workerThreads: z.number().int().min(0).max(64).optional(),
    validateOutput: z.boolean().optional(),
  })
  .strict();
export type ServingOptions = z.infer<typeof ServingOptionsSchema>;

/**
 * Parses a host allowlist (`BACKEND_HOST_ALLOWLIST`): comma-separated entries, each a host name or
 * IP (`models.internal`, `10.0.0.7`, `[::1]`), optionally with `:port`, or `*.suffix` for any
 * subdomain. Throws with the offending entry named. An empty list allows every host.
 */
export function parseHostAllowlist(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((raw) => {
    const entry = raw.trim().toLowerCase();
    const host = entry.startsWith('*.') ? entry.slice(2) : entry;
    let parsed: URL | null = null;
    try {
      parsed = new URL(`http://${host}`);
    } catch {
      parsed = null;
    }
    if (!host || !parsed || parsed.host !== host.replace(/:80$/, '') || parsed.pathname !== '/') {
      throw new Error(`"${raw.trim()}" is not a host, host:port or *.domain entry`);
    }
    return entry;
  });
}

/** True when `url`'s host matches an entry of `allowlist` (see {@link parseHostAllowlist}). */
export function isHostAllowed(url: URL | string, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const hostname = parsed.hostname.toLowerCase();
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return allowlist.some((entry) => {
    const colon = entry.lastIndexOf(':');
    const hasPort = colon > entry.lastIndexOf(']') && colon !== -1;
    const host = hasPort ? entry.slice(0, colon) : entry;
    if (hasPort && entry.slice(colon + 1) !== port) return false;
    if (host.startsWith('*.')) return hostname.endsWith(host.slice(1));
    return hostname === host;
  });
}

/** The endpoint's host is not on the configured allowlist (a registration-time 400). */
export function hostNotAllowedMessage(url: string, allowlist: readonly string[]): string {
  return `backend.url: host ${new URL(url).host} is not on the backend host allowlist (${allowlist.join(', ')})`;
}
