import {
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
} from './live-cursor.js';
import { compareStreamIds } from './stream-ids.js';

describe('live cursor', () => {
  it('round-trips per-type stream positions', () => {
    const cursor = {
      'user.registered': '1700000000000-3',
      'booking.created': '0-0',
    };

    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['garbage', 'not base64 json at all!'],
    ['an array', Buffer.from('[]').toString('base64url')],
    ['an unknown type', encodeCursor({ 'no.such': '1-0' } as never)],
    ['a bad id', encodeCursor({ 'user.registered': 'abc' })],
  ])('refuses %s', (_, value) => {
    expect(() => decodeCursor(value)).toThrow(InvalidCursorError);
  });

  it('orders stream ids by time, then sequence, past Number precision', () => {
    expect(compareStreamIds('1-0', '2-0')).toBeLessThan(0);
    expect(compareStreamIds('5-10', '5-9')).toBeGreaterThan(0);
    expect(compareStreamIds('7-7', '7-7')).toBe(0);
    expect(
      compareStreamIds('18446744073709551615-1', '18446744073709551615-0'),
    ).toBeGreaterThan(0);
  });
});
