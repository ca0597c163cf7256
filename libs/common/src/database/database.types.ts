import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * A Drizzle database over PostgreSQL (`pg`) or embedded PGlite: both drivers
 * share this type, so services write one query code for both.
 */
export type Database<
  TSchema extends Record<string, unknown> = Record<string, unknown>,
> = PgDatabase<PgQueryResultHKT, TSchema>;
