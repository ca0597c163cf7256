import { jest } from '@jest/globals';
import {
  createEventEnvelope,
  type EventEnvelope,
} from '../envelope/event-envelope.js';
import type { EventHistory } from '../history/event-history.js';
import type { LocalSubscribers } from '../local/local-subscribers.js';
import type { EventBusTransports } from '../transport/event-bus-transports.js';
import { OutboxRelay } from './outbox.relay.js';
import type { OutboxRow, OutboxStore } from './outbox.store.js';

/** Stands for the relay's own id, which is random. */
const OWN = 'this instance';

const row = (seq: number, origin = OWN): OutboxRow => ({
  seq,
  origin,
  event: createEventEnvelope({
    type: 'user.verified',
    source: 's',
    data: { seq },
    dataversion: 1,
  }),
  deliverLocal: true,
  deliverRedis: true,
  localDone: false,
});

function createRelay(rows: OutboxRow[], failRedisAtSeq?: number) {
  const calls: string[] = [];
  let claimed = false;
  const store = {
    available: true,
    claim: jest.fn((relayId: string) => {
      const batch = claimed ? [] : rows;
      claimed = true;
      return Promise.resolve(
        batch.map((r) => (r.origin === OWN ? { ...r, origin: relayId } : r)),
      );
    }),
    markLocalDone: jest.fn((seq: number) => {
      calls.push(`local-done ${seq}`);
      return Promise.resolve();
    }),
    remove: jest.fn((seq: number) => {
      calls.push(`remove ${seq}`);
      return Promise.resolve();
    }),
    release: jest.fn((seqs: number[]) => {
      calls.push(`release ${seqs.join(',')}`);
      return Promise.resolve();
    }),
  } as unknown as OutboxStore;
  const local = {
    deliver: jest.fn((event: EventEnvelope) => {
      calls.push(`local ${(event.data as { seq: number }).seq}`);
      return Promise.resolve();
    }),
  } as unknown as LocalSubscribers;
  const transports = {
    publisher: {
      publishNow: jest.fn((event: EventEnvelope) => {
        const { seq } = event.data as { seq: number };
        if (seq === failRedisAtSeq)
          return Promise.reject(new Error('Redis is down'));
        calls.push(`redis ${seq}`);
        return Promise.resolve();
      }),
    },
  } as unknown as EventBusTransports;
  const history = {
    recordLocal: jest.fn((event: EventEnvelope) => {
      calls.push(`history ${(event.data as { seq: number }).seq}`);
    }),
  } as unknown as EventHistory;
  const relay = new OutboxRelay(
    { service: 's' },
    store,
    local,
    transports,
    history,
  );
  return { relay, calls };
}

async function relayOnce(relay: OutboxRelay): Promise<void> {
  relay.nudge();
  await (relay as unknown as { running?: Promise<void> }).running;
}

describe('OutboxRelay', () => {
  it('delivers rows in order, locally first, and removes and records each once sent', async () => {
    const { relay, calls } = createRelay([row(1), row(2), row(3)]);

    await relayOnce(relay);

    expect(calls).toEqual([
      'local 1',
      'local-done 1',
      'local 2',
      'local-done 2',
      'local 3',
      'local-done 3',
      'redis 1',
      'remove 1',
      'history 1',
      'redis 2',
      'remove 2',
      'history 2',
      'redis 3',
      'remove 3',
      'history 3',
    ]);
  });

  it('stops at the first row Redis refuses and gives it and the later ones back, unrecorded', async () => {
    const { relay, calls } = createRelay([row(1), row(2), row(3)], 2);

    await relayOnce(relay);

    expect(calls.filter((call) => !call.startsWith('local'))).toEqual([
      'redis 1',
      'remove 1',
      'history 1',
      'release 2,3',
    ]);
  });

  it('does not deliver locally twice a row whose local delivery is done', async () => {
    const done = { ...row(1), localDone: true };
    const { relay, calls } = createRelay([done]);

    await relayOnce(relay);

    expect(calls).toEqual(['redis 1', 'remove 1', 'history 1']);
  });

  it('sends the rows of an instance that died, without local delivery', async () => {
    const { relay, calls } = createRelay([row(1, 'a dead instance'), row(2)]);

    await relayOnce(relay);

    expect(calls).toEqual([
      'local 2',
      'local-done 2',
      'redis 1',
      'remove 1',
      'history 1',
      'redis 2',
      'remove 2',
      'history 2',
    ]);
  });
});
