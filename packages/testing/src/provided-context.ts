/** The key under which a package's globalSetup hands the template database name to its test files. */
export const TEMPLATE_DATABASE_KEY = 'templateDatabase';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Name of the migrated template database that createTestDatabase() clones. */
    templateDatabase: string;
  }
}
