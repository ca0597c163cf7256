/** Hard ceiling of a stream's retention: a week. */
export const DEFAULT_STREAM_MAX_RETENTION_SECONDS = 7 * 86_400;

/** How often the retention task runs. */
export const DEFAULT_RETENTION_INTERVAL_MS = 60_000;

/** Entries moved to dead letters per group and stream in one batch. */
export const CEILING_BATCH = 200;

/** The lock that lets one instance at a time trim. */
export const retentionLockKey = (keyPrefix: string): string =>
  `${keyPrefix}retention:lock`;

/** Entries moved to dead letters by the ceiling, per group (a hash per type). */
export const movedByCeilingKey = (keyPrefix: string, type: string): string =>
  `${keyPrefix}retention:moved:${type}`;

/** Why the ceiling moved an entry, as its dead letter says. */
export const ceilingReason = (maxRetentionSeconds: number): string =>
  `Not handled within EVENT_STREAM_MAX_RETENTION_SECONDS (${maxRetentionSeconds} s): moved to the dead letters by the retention ceiling`;
