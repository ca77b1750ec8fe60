import type { ApiTokenRow, AuditRow, ModelRow, ModelVersionRow } from '@modelplane/db';
import type {
  ApiToken,
  AuditEntry,
  Backend,
  Model,
  ModelVersion,
  Role,
  ServingOptions,
  VersionSignature,
  VersionStatus,
  WarmupRequest,
} from '@modelplane/schemas';

const iso = (date: Date | string) => new Date(date).toISOString();

export function toModel(row: ModelRow): Model {
  return {
    name: row.name,
    description: row.description,
    cache: { enabled: row.cache_enabled, ttlSeconds: row.cache_ttl_seconds },
    configGeneration: Number(row.config_generation),
    activeRevision: row.active_revision,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

export function toVersion(modelName: string, row: ModelVersionRow): ModelVersion {
  return {
    id: row.id,
    model: modelName,
    version: row.version,
    ref: `${modelName}@${row.version}`,
    backend: { kind: row.backend_kind, ...row.backend_config } as Backend,
    artifact:
      row.artifact_uri && row.artifact_digest ? { uri: row.artifact_uri, sha256: row.artifact_digest } : null,
    inputSchema: (row.input_schema as Record<string, unknown> | null) ?? null,
    outputSchema: (row.output_schema as Record<string, unknown> | null) ?? null,
    servingOptions: row.serving_options as ServingOptions,
    metrics: row.metrics,
    signature: (row.signature as VersionSignature | null) ?? null,
    warmup: (row.warmup as WarmupRequest | null) ?? null,
    status: row.status as VersionStatus,
    description: row.description,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    actor: row.actor,
    actorRole: row.actor_role,
    action: row.action,
    target: row.target,
    before: row.before,
    after: row.after,
    createdAt: iso(row.created_at),
    requestId: row.request_id,
    sourceAddress: row.source_address,
  };
}

export function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
    lastUsedAt: row.last_used_at ? iso(row.last_used_at) : null,
    rate:
      row.rate_per_second !== null && row.burst !== null
        ? { perSecond: row.rate_per_second, burst: row.burst }
        : null,
  };
}
