export { createDb, type Database, type DbOptions } from './create-db.ts';
export { type MigrateOptions, MigrationChecksumError, migrate } from './migrate.ts';
export { findMigrationsDir } from './migration-files.ts';
export * from './repositories/index.ts';
export { SCHEMA_SHAPE, SCHEMA_SHAPE_MATCHES_DB } from './schema-shape.ts';
export type * from './types.ts';
