export * from './audit.ts';
export * from './executor.ts';
export * from './models.ts';
export * from './revisions.ts';
export * from './tokens.ts';
export * from './versions.ts';
