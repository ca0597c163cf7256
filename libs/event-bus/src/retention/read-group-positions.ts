import type { Redis } from 'ioredis';
import type { GroupPosition } from './group-positions.js';

/** XINFO answers flat [name, value, name, value, ...] lists. */
export function flatToRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    record[String(flat[i])] = flat[i + 1];
  }
  return record;
}

const numberOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/**
 * The positions of every group on `stream`, and of the `registered` groups
 * that do not exist on it yet. Groups first, then their pending entries:
 * an entry delivered in between is after the last-delivered id read first,
 * so nothing a group needs is missed.
 */
export async function readGroupPositions(
  redis: Redis,
  stream: string,
  registered: readonly string[],
): Promise<GroupPosition[]> {
  let infos: Record<string, unknown>[] = [];
  try {
    infos = ((await redis.xinfo('GROUPS', stream)) as unknown[][]).map(
      flatToRecord,
    );
  } catch (error) {
    // No stream yet: only the registered groups, all waiting.
    if (!(error as Error).message.includes('no such key')) throw error;
  }
  const positions: GroupPosition[] = [];
  for (const info of infos) {
    const name = info.name as string;
    const pending = Number(info.pending ?? 0);
    let oldestPendingId: string | undefined;
    if (pending > 0) {
      const [count, smallest] = (await redis.xpending(stream, name)) as [
        number,
        string | null,
      ];
      if (Number(count) > 0 && smallest) oldestPendingId = smallest;
    }
    positions.push({
      name,
      exists: true,
      lastDeliveredId:
        (info['last-delivered-id'] as string | undefined) ?? '0-0',
      pending,
      oldestPendingId,
      undelivered: numberOrNull(info.lag),
      entriesRead: numberOrNull(info['entries-read']),
    });
  }
  for (const name of registered) {
    if (positions.some((position) => position.name === name)) continue;
    positions.push(notStartedGroup(name));
  }
  return positions;
}

/** A group awaited on a stream it has not been created on yet. */
export const notStartedGroup = (name: string): GroupPosition => ({
  name,
  exists: false,
  lastDeliveredId: '0-0',
  pending: 0,
  undelivered: null,
  entriesRead: null,
});
