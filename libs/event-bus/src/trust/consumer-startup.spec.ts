import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBusStats } from '../stats/event-bus.stats.js';
import { EventBusRedisServer } from '../transport/server-redis-event-bus.js';
import { ServerRedisStreams } from '../transport/streams/server-redis-streams.js';
import { EventTrust } from './event-trust.js';
import { EventConsumeForbiddenError } from './trust.errors.js';

describe('consumer servers at start-up', () => {
  let keysDir: string;
  beforeEach(() => (keysDir = mkdtempSync(join(tmpdir(), 'keys-'))));
  afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

  const trustOf = (service: string) =>
    new EventTrust({ service, trust: { keysDir } }).forConsumers();
  const listen = (server: {
    listen(callback: (error?: unknown) => void): void;
  }) => new Promise<unknown>((done) => server.listen(done));

  it('the durable server refuses a handler of a type its role does not consume', async () => {
    const server = new ServerRedisStreams({
      redis: { lazyConnect: true },
      group: 'booking-service',
      trust: trustOf('booking-service'),
    });
    server.addHandler('invoice.generated', () => Promise.resolve(), true);

    expect(await listen(server)).toBeInstanceOf(EventConsumeForbiddenError);
  });

  it('the broadcast server refuses it too', async () => {
    const server = new EventBusRedisServer(
      { lazyConnect: true },
      new EventBusStats(),
      trustOf('scheduler-service'),
    );
    server.addHandler('user.verified', () => Promise.resolve(), true);

    const error = await listen(server);
    expect(error).toBeInstanceOf(EventConsumeForbiddenError);
    expect((error as Error).message).toContain(
      'scheduler-service (role scheduler) may not consume user.verified',
    );
  });
});
