import {
  compareIds,
  FIRST_ID,
  idAt,
  minId,
  nextId,
  type StreamId,
} from './stream-ids.js';

/**
 * Where one consumer group of a stream stands, from `XINFO GROUPS` and the
 * summary form of `XPENDING`; a group registered for the type that does not
 * exist on the stream yet has `exists: false`.
 */
export interface GroupPosition {
  name: string;
  exists: boolean;
  /** Last entry delivered to the group (`last-delivered-id`). */
  lastDeliveredId: StreamId;
  /** Entries delivered but not acknowledged. */
  pending: number;
  /** The oldest of them, when there are any. */
  oldestPendingId?: StreamId;
  /** Entries not delivered yet (Redis's `lag`); null when Redis cannot tell. */
  undelivered: number | null;
  /** Entries the group has read, for `XGROUP SETID ... ENTRIESREAD`. */
  entriesRead: number | null;
}

/**
 * The oldest entry id the group has not handled: its oldest pending entry,
 * or the one after the last delivered, whichever comes first. A group that
 * does not exist yet will read the stream from the start.
 */
export function oldestUnhandledId(group: GroupPosition): StreamId {
  if (!group.exists) return FIRST_ID;
  const afterDelivered = nextId(group.lastDeliveredId);
  return group.oldestPendingId
    ? minId(group.oldestPendingId, afterDelivered)
    : afterDelivered;
}

/**
 * Where `XTRIM MINID` may cut a stream: below what every group still needs
 * and below the ordinary retention, whichever is earlier.
 */
export function trimPoint(
  groups: readonly GroupPosition[],
  retentionMs: number,
  now: number,
): StreamId {
  return minId(idAt(now - retentionMs), ...groups.map(oldestUnhandledId));
}

/**
 * The groups that still need entries older than the ceiling: what they have
 * not handled there moves to their dead letters.
 */
export function groupsPastCeiling(
  groups: readonly GroupPosition[],
  ceilingId: StreamId,
): GroupPosition[] {
  return groups.filter(
    (group) => compareIds(oldestUnhandledId(group), ceilingId) < 0,
  );
}
