/** Injection token of the service's Drizzle database. */
export const DATABASE = Symbol('common:database');
