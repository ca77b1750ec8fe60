import pg from 'pg';

/** One row of the old design's version table: which versions of a model serve, and how much. */
export interface LegacyVersion {
  model: string;
  version: string;
  /** Percent of users routed to this version. */
  weight: number;
  artifactPath: string;
  featureOrder: string[];
}

/**
 * The old design's tables, created in the bench database (and dropped with it): a version table read
 * on every request and a prediction log written on every request.
 */
export async function createLegacySchema(databaseUrl: string, versions: LegacyVersion[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'modelplane-bench' });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE legacy_model_versions (
        model text NOT NULL,
        version text NOT NULL,
        weight integer NOT NULL,
        active boolean NOT NULL DEFAULT true,
        artifact_path text NOT NULL,
        feature_order jsonb NOT NULL,
        PRIMARY KEY (model, version)
      );
      CREATE TABLE legacy_prediction_log (
        id bigserial PRIMARY KEY,
        request_id uuid NOT NULL,
        model text NOT NULL,
        version text NOT NULL,
        user_id text,
        input jsonb NOT NULL,
        prediction jsonb NOT NULL,
        latency_ms real NOT NULL,
        cached boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX legacy_prediction_log_model_created ON legacy_prediction_log (model, created_at);
    `);
    for (const v of versions) {
      await client.query(
        'INSERT INTO legacy_model_versions (model, version, weight, artifact_path, feature_order) VALUES ($1, $2, $3, $4, $5)',
        [v.model, v.version, v.weight, v.artifactPath, JSON.stringify(v.featureOrder)],
      );
    }
  } finally {
    await client.end();
  }
}

/** Rows the old design logged so far (a check that it really wrote one per request). */
export async function countLegacyLogRows(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'modelplane-bench' });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM legacy_prediction_log');
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
