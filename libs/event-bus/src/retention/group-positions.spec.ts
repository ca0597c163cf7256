import {
  groupsPastCeiling,
  oldestUnhandledId,
  trimPoint,
  type GroupPosition,
} from './group-positions.js';
import { compareIds, minId, nextId } from './stream-ids.js';

const group = (overrides: Partial<GroupPosition>): GroupPosition => ({
  name: 'booking-service',
  exists: true,
  lastDeliveredId: '0-0',
  pending: 0,
  undelivered: 0,
  entriesRead: 0,
  ...overrides,
});

const NOW = 1_700_000_100_000;
const MINUTE = 60_000;

describe('stream ids', () => {
  it('compares by time, then sequence, beyond the precision of a number', () => {
    expect(compareIds('1700000000000-2', '1700000000000-10')).toBeLessThan(0);
    expect(compareIds('1700000000001-0', '1700000000000-99')).toBeGreaterThan(
      0,
    );
    expect(
      compareIds('18446744073709551615-1', '18446744073709551615-0'),
    ).toBeGreaterThan(0);
    expect(compareIds('5-5', '5-5')).toBe(0);
  });

  it('gives the id right after one, and the earliest of several', () => {
    expect(nextId('1700000000000-9')).toBe('1700000000000-10');
    expect(minId('5-1', '4-9', '5-0')).toBe('4-9');
  });
});

describe('oldestUnhandledId', () => {
  it('is the entry after the last delivered one when nothing is pending', () => {
    const position = group({ lastDeliveredId: '1700000000000-3' });

    expect(oldestUnhandledId(position)).toBe('1700000000000-4');
  });

  it('is the oldest pending entry when it comes before that', () => {
    const position = group({
      lastDeliveredId: '1700000000500-0',
      pending: 2,
      oldestPendingId: '1700000000100-0',
    });

    expect(oldestUnhandledId(position)).toBe('1700000000100-0');
  });

  it('is the start of the stream for a registered group that does not exist yet', () => {
    const position = group({ exists: false, undelivered: null });

    expect(oldestUnhandledId(position)).toBe('0-0');
  });
});

describe('trimPoint', () => {
  it('trims by the retention alone when every group has handled everything', () => {
    const groups = [group({ lastDeliveredId: `${NOW - 1_000}-0` })];

    expect(trimPoint(groups, MINUTE, NOW)).toBe(`${NOW - MINUTE}-0`);
  });

  it('never trims past the oldest entry a group has not handled', () => {
    const stoppedAt = `${NOW - 10 * MINUTE}-0`;
    const groups = [
      group({ name: 'live', lastDeliveredId: `${NOW - 1_000}-0` }),
      group({ name: 'stopped', lastDeliveredId: stoppedAt }),
    ];

    expect(trimPoint(groups, MINUTE, NOW)).toBe(nextId(stoppedAt));
  });

  it('keeps a pending entry older than the retention', () => {
    const groups = [
      group({
        lastDeliveredId: `${NOW - 1_000}-0`,
        pending: 1,
        oldestPendingId: `${NOW - 5 * MINUTE}-7`,
      }),
    ];

    expect(trimPoint(groups, MINUTE, NOW)).toBe(`${NOW - 5 * MINUTE}-7`);
  });

  it('trims nothing while a registered group has never run', () => {
    const groups = [
      group({ name: 'live', lastDeliveredId: `${NOW}-0` }),
      group({ name: 'never-started', exists: false }),
    ];

    expect(trimPoint(groups, MINUTE, NOW)).toBe('0-0');
  });

  it('trims by the retention when no group consumes the stream', () => {
    expect(trimPoint([], MINUTE, NOW)).toBe(`${NOW - MINUTE}-0`);
  });
});

describe('groupsPastCeiling', () => {
  it('names the groups that still need entries older than the ceiling', () => {
    const ceiling = `${NOW - 7 * MINUTE}-0`;
    const groups = [
      group({ name: 'live', lastDeliveredId: `${NOW}-0` }),
      group({ name: 'stopped', lastDeliveredId: `${NOW - 8 * MINUTE}-0` }),
      group({
        name: 'stuck',
        lastDeliveredId: `${NOW}-0`,
        pending: 1,
        oldestPendingId: `${NOW - 9 * MINUTE}-0`,
      }),
      group({ name: 'never-started', exists: false }),
    ];

    expect(groupsPastCeiling(groups, ceiling).map(({ name }) => name)).toEqual([
      'stopped',
      'stuck',
      'never-started',
    ]);
  });
});
