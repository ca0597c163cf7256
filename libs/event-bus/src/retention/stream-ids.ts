/**
 * Redis stream entry ids (`<ms>-<seq>`), compared and derived without
 * losing precision: both parts are 64-bit, so they are compared as BigInt.
 */
export type StreamId = string;

/** The smallest id: `XTRIM MINID 0-0` trims nothing. */
export const FIRST_ID: StreamId = '0-0';

function parts(id: StreamId): [bigint, bigint] {
  const [ms, seq = '0'] = id.split('-');
  return [BigInt(ms), BigInt(seq)];
}

/** Negative when `a` comes before `b`, zero when equal, positive after. */
export function compareIds(a: StreamId, b: StreamId): number {
  const [aMs, aSeq] = parts(a);
  const [bMs, bSeq] = parts(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/** The earliest of the ids. */
export function minId(first: StreamId, ...rest: StreamId[]): StreamId {
  return rest.reduce((min, id) => (compareIds(id, min) < 0 ? id : min), first);
}

/** The id right after `id`: the first one a group at `id` has not read. */
export function nextId(id: StreamId): StreamId {
  const [ms, seq] = parts(id);
  return `${ms}-${seq + 1n}`;
}

/** The first id of a millisecond. */
export const idAt = (ms: number): StreamId =>
  `${Math.max(0, Math.floor(ms))}-0`;

/** When the entry was appended (`XADD *` ids start with Redis's clock). */
export const timeOf = (id: StreamId): number => Number(id.split('-')[0]);

/** Whether `value` looks like a stream entry id such as `1700000000000-0`. */
export const isStreamId = (value: string): boolean =>
  /^\d{1,20}-\d{1,20}$/.test(value);
