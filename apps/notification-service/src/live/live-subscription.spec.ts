import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '@app/common';
import type { EventType } from '@app/contracts';
import { createEventEnvelope } from '@app/event-bus';
import { decodeCursor } from './live-cursor.js';
import type { LiveEntry } from './live-events.reader.js';
import { compareStreamIds } from './stream-ids.js';
import {
  CLOSE_TOO_SLOW,
  LiveSubscription,
  MAX_BUFFERED_BYTES,
  MAX_PENDING_LIVE_ENTRIES,
  type LiveHistory,
  type LiveSocket,
} from './live-subscription.js';

class FakeSocket implements LiveSocket {
  bufferedAmount = 0;
  readonly sent: Array<{
    type: string;
    cursor: string;
    event?: { id: string; data: Record<string, unknown> };
  }> = [];
  closedWith?: number;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number]);
  }

  close(code: number): void {
    this.closedWith = code;
  }

  events() {
    return this.sent.filter((m) => m.type === 'event').map((m) => m.event!);
  }
}

const admin: AuthenticatedUser = {
  id: randomUUID(),
  role: 'admin',
  email: 'root@example.com',
};

let seq = 0;
const entry = (
  type: EventType,
  id: string,
  data: Record<string, unknown> = {},
): LiveEntry => ({
  type,
  id,
  event: createEventEnvelope({
    type,
    source: 'test',
    dataversion: 1,
    data: { n: ++seq, ...data },
  }),
});

async function* from(entries: LiveEntry[]): AsyncGenerator<LiveEntry> {
  for (const item of entries) yield await Promise.resolve(item);
}

/** Stream history for a client catching up: these entries, these trims. */
const history = (
  missed: Partial<Record<EventType, LiveEntry[]>> = {},
  trimmed: EventType[] = [],
): LiveHistory => ({
  readAfter: (type) => from(missed[type] ?? []),
  trimmedAfter: (type) => Promise.resolve(trimmed.includes(type)),
});

describe('LiveSubscription', () => {
  it('sends what was missed in stream order, then what came meanwhile, each once', async () => {
    const socket = new FakeSocket();
    const types: EventType[] = ['user.registered', 'booking.created'];
    const subscription = new LiveSubscription(socket, admin, types, {
      'user.registered': '10-0',
      'booking.created': '10-0',
    });
    const missed: Partial<Record<EventType, LiveEntry[]>> = {
      'user.registered': [entry('user.registered', '12-0')],
      'booking.created': [
        entry('booking.created', '11-0'),
        entry('booking.created', '13-0'),
      ],
    };
    // Arrives live while the client catches up; 13-0 was also read as missed.
    subscription.offer(entry('booking.created', '13-0'));
    subscription.offer(entry('user.registered', '14-0'));

    await subscription.catchUp(history(missed));
    subscription.offer(entry('booking.created', '15-0'));

    expect(socket.sent[0].type).toBe('ready');
    const ids = socket.sent.slice(1).map((m) => decodeCursor(m.cursor));
    expect(
      ids.map((c) => [c['user.registered'], c['booking.created']]),
    ).toEqual([
      ['10-0', '11-0'],
      ['12-0', '11-0'],
      ['12-0', '13-0'],
      ['14-0', '13-0'],
      ['14-0', '15-0'],
    ]);
  });

  it('passes over types it does not watch and events the user may not see', async () => {
    const socket = new FakeSocket();
    const customer: AuthenticatedUser = { ...admin, role: 'customer' };
    const subscription = new LiveSubscription(
      socket,
      customer,
      ['booking.created'],
      {},
    );
    await subscription.catchUp(history());

    subscription.offer(
      entry('user.registered', '1-0', { userId: customer.id }),
    );
    subscription.offer(
      entry('booking.created', '2-0', { customerId: randomUUID() }),
    );
    subscription.offer(
      entry('booking.created', '3-0', { customerId: customer.id }),
    );

    expect(socket.events().map((e) => e.data.customerId)).toEqual([
      customer.id,
    ]);
    // The cursor moved past the hidden one too: a resume will not re-read it.
    expect(decodeCursor(socket.sent.at(-1)!.cursor)).toEqual({
      'booking.created': '3-0',
    });
  });

  it('redacts sensitive fields', async () => {
    const socket = new FakeSocket();
    const subscription = new LiveSubscription(
      socket,
      admin,
      ['user.registered'],
      {},
    );
    await subscription.catchUp(history());

    subscription.offer(
      entry('user.registered', '1-0', { verificationToken: 'secret' }),
    );

    expect(socket.events()[0].data.verificationToken).not.toBe('secret');
  });

  it('drops a client that falls too far behind, with a code to resume', async () => {
    const socket = new FakeSocket();
    const subscription = new LiveSubscription(
      socket,
      admin,
      ['user.registered'],
      {},
    );
    await subscription.catchUp(history());
    socket.bufferedAmount = MAX_BUFFERED_BYTES + 1;

    subscription.offer(entry('user.registered', '1-0'));
    subscription.offer(entry('user.registered', '2-0'));

    expect(socket.closedWith).toBe(CLOSE_TOO_SLOW);
    expect(socket.events()).toHaveLength(0);
  });

  it('says which types lost events to retention before sending what is left', async () => {
    const socket = new FakeSocket();
    const subscription = new LiveSubscription(
      socket,
      admin,
      ['user.registered', 'booking.created'],
      { 'user.registered': '1-0', 'booking.created': '1-0' },
    );

    await subscription.catchUp(
      history({ 'booking.created': [entry('booking.created', '9-0')] }, [
        'booking.created',
      ]),
    );

    expect(socket.sent.map((m) => m.type)).toEqual(['ready', 'gap', 'event']);
    expect(socket.sent[1]).toMatchObject({ eventTypes: ['booking.created'] });
  });

  it('starts no earlier than the floor and names the type cut off as a gap', async () => {
    const socket = new FakeSocket();
    const stream = [
      entry('booking.created', '5-0'),
      entry('booking.created', '50-0'),
    ];
    const subscription = new LiveSubscription(
      socket,
      admin,
      ['booking.created'],
      { 'booking.created': '0-0' },
    );

    await subscription.catchUp(streamHistory(stream), '10-0');

    expect(socket.sent.map((m) => m.type)).toEqual(['ready', 'gap', 'event']);
    expect(decodeCursor(socket.sent[2].cursor)).toEqual({
      'booking.created': '50-0',
    });
  });

  it('keeps only visible live entries while catching up, and re-reads the stream after an overflow', async () => {
    const socket = new FakeSocket();
    const customer: AuthenticatedUser = { ...admin, role: 'customer' };
    const mine = { customerId: customer.id };
    const stream = [entry('booking.created', '1-0', mine)];
    const subscription = new LiveSubscription(
      socket,
      customer,
      ['booking.created'],
      { 'booking.created': '0-0' },
    );
    const streams = streamHistory(stream);
    let reads = 0;
    const during: LiveHistory = {
      trimmedAfter: streams.trimmedAfter,
      readAfter: (type, afterId, pageSize) => {
        reads++;
        if (reads === 1) {
          // While the first page is read, more arrive live than fit.
          for (let i = 0; i <= MAX_PENDING_LIVE_ENTRIES; i++) {
            const live = entry('booking.created', `${i + 2}-0`, mine);
            stream.push(live);
            subscription.offer(live);
            // Someone else's events never take buffer space.
            subscription.offer(entry('booking.created', `${i + 2}-1`));
          }
        }
        return streams.readAfter(type, afterId, pageSize);
      },
    };

    await subscription.catchUp(during);

    const ids = socket.events().map((e) => e.data.n);
    expect(reads).toBe(2);
    expect(ids).toHaveLength(MAX_PENDING_LIVE_ENTRIES + 2);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

/** A stream fake that honours `afterId` and pages, as the reader does. */
function streamHistory(stream: LiveEntry[]) {
  return {
    trimmedAfter: () => Promise.resolve(false),
    async *readAfter(
      _type: EventType,
      afterId: string,
      pageSize = 500,
    ): AsyncGenerator<LiveEntry> {
      let from = afterId;
      for (;;) {
        const page = stream
          .filter((item) => compareStreamIds(item.id, from) > 0)
          .slice(0, pageSize);
        for (const item of page) yield await Promise.resolve(item);
        if (page.length < pageSize) return;
        from = page.at(-1)!.id;
      }
    },
  } satisfies LiveHistory;
}
