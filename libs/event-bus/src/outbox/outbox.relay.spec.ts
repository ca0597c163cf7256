import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import {
  createEventEnvelope,
  type EventEnvelope,
} from '../envelope/event-envelope.js';
import type { EventHistory } from '../history/event-history.js';
import type { LocalSubscribers } from '../local/local-subscribers.js';
import type { EventBusTransports } from '../transport/event-bus-transports.js';
import { EventTrust } from '../trust/event-trust.js';
import type { OutboxLeases } from './outbox.leases.js';
import { OutboxRelay } from './outbox.relay.js';
import { waitFor } from '../../../../test/support/wait-for.js';
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

function createRelay(
  rows: OutboxRow[],
  failRedisAtSeq?: number,
  localGate?: Promise<void>,
  trust?: EventTrust,
) {
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
    markLocalDone: jest.fn((seqs: number[]) => {
      if (seqs.length > 0) calls.push(`local-done ${seqs.join(',')}`);
      return Promise.resolve();
    }),
    remove: jest.fn((seqs: number[]) => {
      if (seqs.length > 0) calls.push(`remove ${seqs.join(',')}`);
      return Promise.resolve();
    }),
    release: jest.fn((seqs: number[]) => {
      calls.push(`release ${seqs.join(',')}`);
      return Promise.resolve();
    }),
  } as unknown as OutboxStore;
  const localEvents: EventEnvelope[] = [];
  const local = {
    deliver: jest.fn(async (event: EventEnvelope) => {
      await localGate;
      localEvents.push(event);
      calls.push(`local ${(event.data as { seq: number }).seq}`);
    }),
  } as unknown as LocalSubscribers;
  // Redis's replies, which a test may hold back.
  let repliesGate: Promise<void> = Promise.resolve();
  let releaseReplies = () => {};
  const replies = {
    hold: () =>
      (repliesGate = new Promise<void>(
        (resolve) => (releaseReplies = resolve),
      )),
    release: () => releaseReplies(),
  };
  const sentTexts: Array<string | undefined> = [];
  const transports = {
    publisher: {
      publishNow: jest.fn(async (event: EventEnvelope, text?: string) => {
        const { seq } = event.data as { seq: number };
        if (seq === failRedisAtSeq) throw new Error('Redis is down');
        calls.push(`redis ${seq}`);
        sentTexts.push(text);
        await repliesGate;
      }),
    },
  } as unknown as EventBusTransports;
  const history = {
    recordLocal: jest.fn((event: EventEnvelope) => {
      calls.push(`history ${(event.data as { seq: number }).seq}`);
    }),
  } as unknown as EventHistory;
  const lease = { lapsed: false, renewals: 0 };
  const leases = {
    seconds: 15,
    renew: jest.fn(() => {
      lease.renewals++;
      return Promise.resolve({ lapsed: lease.lapsed });
    }),
    release: jest.fn(() => Promise.resolve()),
    forgetExpired: jest.fn(() => Promise.resolve()),
  } as unknown as OutboxLeases;
  const relay = new OutboxRelay(
    { service: 's' },
    store,
    local,
    transports,
    history,
    leases,
    trust,
  );
  return {
    relay,
    calls,
    lease,
    leases,
    replies,
    localEvents,
    sentTexts,
    store,
  };
}

async function relayOnce(relay: OutboxRelay): Promise<void> {
  await relay.renewLease();
  relay.nudge();
  await (relay as unknown as { running?: Promise<void> }).running;
}

describe('OutboxRelay', () => {
  it('signs the rows it sends together, once, and sends each signed text', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'relay-keys-'));
    try {
      const trust = (service: string) =>
        new EventTrust({ service, trust: { keysDir } });
      const rows = [row(1), row(2), row(3)].map((r) => ({
        ...r,
        event: { ...r.event, source: 'relay-test' },
      }));
      const { relay, localEvents, sentTexts } = createRelay(
        rows,
        undefined,
        undefined,
        trust('relay-test'),
      );

      await relayOnce(relay);

      const sent = sentTexts.map((text) => JSON.parse(text!) as EventEnvelope);
      expect(sent.map((event) => event.id)).toEqual(
        rows.map(({ event }) => event.id),
      );
      expect(new Set(sent.map((event) => event.signature)).size).toBe(1);
      expect(localEvents).toEqual(sent);
      const consumer = trust('relay-test-consumer');
      sent.forEach((event, i) =>
        expect(consumer.open(event, { text: sentTexts[i] }).ok).toBe(true),
      );
    } finally {
      rmSync(keysDir, { recursive: true, force: true });
    }
  });

  it('delivers rows in order, locally first, then to Redis, and removes and records them once sent', async () => {
    const { relay, calls } = createRelay([row(1), row(2), row(3)]);

    await relayOnce(relay);

    expect(calls).toEqual([
      'local 1',
      'local 2',
      'local 3',
      'local-done 1,2,3',
      'redis 1',
      'redis 2',
      'redis 3',
      'remove 1,2,3',
      'history 1',
      'history 2',
      'history 3',
    ]);
  });

  it('sends a batch in one go, so the rows Redis takes are sent before any reply comes', async () => {
    const { relay, calls, replies } = createRelay([row(1), row(2), row(3)]);
    void replies.hold();

    const relaying = relayOnce(relay);
    await waitFor(() => calls.includes('redis 3'), {
      message: 'all three sent',
    });
    expect(calls).not.toContain('remove 1,2,3');
    replies.release();
    await relaying;

    expect(calls).toContain('remove 1,2,3');
  });

  it('relays once more when nudged while a relay is under way, which may have claimed before the new row was committed', async () => {
    const { relay, calls, replies, store } = createRelay([row(1)]);
    void replies.hold();
    await relay.renewLease();
    relay.nudge();
    await waitFor(() => calls.includes('redis 1'), { message: 'row 1 sent' });
    // Row 2 is committed now; the relay under way claimed before it.
    (store.claim as jest.Mock).mockImplementationOnce(() =>
      Promise.resolve([{ ...row(2), origin: 'another instance' }]),
    );
    relay.nudge();
    replies.release();

    await waitFor(() => calls.includes('remove 2'), { message: 'row 2 sent' });
    expect(calls.filter((call) => call.startsWith('redis'))).toEqual([
      'redis 1',
      'redis 2',
    ]);
  });

  it('keeps the first row Redis refuses and the later ones for the next attempt, unrecorded', async () => {
    const { relay, calls } = createRelay([row(1), row(2), row(3)], 2);

    await relayOnce(relay);

    // Row 3 went in the same pipeline; it goes again with row 2.
    expect(calls.filter((call) => !call.startsWith('local'))).toEqual([
      'redis 1',
      'redis 3',
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
      'redis 2',
      'remove 1,2',
      'history 1',
      'history 2',
    ]);
  });

  it('sends nothing while it does not hold its lease', async () => {
    const { relay, calls, leases } = createRelay([row(1)]);
    (leases.renew as jest.Mock).mockImplementation(() =>
      Promise.reject(new Error('database unreachable')),
    );

    await relayOnce(relay);

    expect(calls).toEqual([]);
  });

  it('stops sending the rows it claimed once its lease lapsed', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { relay, calls, lease } = createRelay(
      [row(1), row(2)],
      undefined,
      gate,
    );
    await relay.renewLease();
    relay.nudge();
    const running = (relay as unknown as { running?: Promise<void> }).running;

    // The process stood still: another relay may have taken the rows.
    lease.lapsed = true;
    await relay.renewLease();
    open();
    await running;

    expect(calls.filter((call) => !call.startsWith('local'))).toEqual([]);
  });

  it('renews its lease on its own timer while a batch takes long', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { relay, calls, lease, leases } = createRelay(
      [row(1)],
      undefined,
      gate,
    );
    (leases as { seconds: number }).seconds = 0.1; // renewed every 20 ms

    await relay.onApplicationBootstrap();
    const renewalsAtStart = lease.renewals;
    await waitFor(() => lease.renewals >= renewalsAtStart + 5, {
      message: 'lease renewals during the batch',
    });
    open();
    await relay.onApplicationShutdown();

    expect(calls).toContain('redis 1');
  });
});
