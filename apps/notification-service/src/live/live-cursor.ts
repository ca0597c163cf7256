import { EVENT_TYPES, type EventType } from '@app/contracts';
import { STREAM_ID } from './stream-ids.js';

/** Per event type, the stream entry id of the last event a client was sent. */
export type LiveCursor = Partial<Record<EventType, string>>;

export class InvalidCursorError extends Error {}

/** The cursor as the opaque string clients keep and send back in `since`. */
export function encodeCursor(cursor: LiveCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Reads a `since` value; `InvalidCursorError` unless this endpoint made it. */
export function decodeCursor(value: string): LiveCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('since is not a cursor this endpoint gave');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidCursorError('since is not a cursor this endpoint gave');
  }
  const cursor: LiveCursor = {};
  for (const [type, id] of Object.entries(parsed)) {
    if (
      !(EVENT_TYPES as string[]).includes(type) ||
      typeof id !== 'string' ||
      !STREAM_ID.test(id)
    ) {
      throw new InvalidCursorError('since is not a cursor this endpoint gave');
    }
    cursor[type as EventType] = id;
  }
  return cursor;
}
