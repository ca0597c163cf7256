import { resolve } from 'node:path';

/** Names the service's events, database folder and migrations table. */
export const SERVICE_NAME = 'scheduler-service';

/**
 * drizzle-kit output, applied at start-up. Apps run from the repository root
 * (`nest start`, `node dist/...`, Jest), so the source folder is found from
 * the working directory and need not be copied into dist.
 */
export const MIGRATIONS_FOLDER = resolve('apps/scheduler-service/drizzle');
