import { createEventEnvelope } from '../envelope/event-envelope.js';
import { HistoryIndex, TRIM_EVERY } from './history-index.js';

const event = createEventEnvelope({
  type: 'user.deleted',
  source: 'user-service',
  dataversion: 1,
  correlationId: 'flow 1 "quoted"',
  data: { userId: 'u1' },
});

describe('HistoryIndex', () => {
  const index = new HistoryIndex('eventbus:history:', 60);

  it('indexes an event under its correlation id', () => {
    expect(index.key(event.correlationid)).toBe(
      'eventbus:history:correlation:flow 1 "quoted"',
    );
  });

  it('reads back what the publisher writes after the stream entry id', () => {
    const member = `1700000000000-3 ${index.fieldsOf(event)}`;

    expect(index.parse(member, 1_700_000_000_123)).toEqual({
      entryId: '1700000000000-3',
      id: event.id,
      type: 'user.deleted',
      correlationId: 'flow 1 "quoted"',
      source: 'user-service',
      time: 1_700_000_000_123,
    });
  });

  it.each(['', 'no-fields', '1-0 {"id":1}', '1-0 [1,2,3,4]', '1-0 not json'])(
    'ignores the member %p',
    (member) => {
      expect(index.parse(member, 0)).toBeUndefined();
    },
  );

  it('forgets entries older than its TTL', () => {
    expect(index.expiredBefore(1_000_000)).toBe(1_000_000 - 60_000);
  });

  it('has one publish in TRIM_EVERY trim its index, not each', () => {
    const fresh = new HistoryIndex('eventbus:history:', 60);
    const trims = Array.from({ length: TRIM_EVERY * 3 }, () =>
      fresh.trimBefore(1_000_000),
    );

    expect(trims.filter((trim) => trim === '')).toHaveLength(
      (TRIM_EVERY - 1) * 3,
    );
    expect(trims.filter((trim) => trim !== '')).toEqual([
      940_000, 940_000, 940_000,
    ]);
    expect(trims[TRIM_EVERY - 1]).toBe(940_000);
  });
});
