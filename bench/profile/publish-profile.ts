import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { EventBus, EventBusModule, streamKey } from '@app/event-bus';
import { userVerifiedPayload } from './user-verified-payload.js';
import { startRedisServer } from '../../test/support/redis-server.js';
import { turnSignaturesOff } from '../src/signatures.js';

/**
 * Publishes events of about 400 bytes (the envelope's JSON) through the real
 * EventBus to a private redis-server, one awaited at a time and then
 * `IN_FLIGHT` at once, and prints publishes per second and this process's
 * CPU time per event. Where the time goes:
 *
 *   npx nest build bench -p bench/profile/tsconfig.json
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/profile/bench/profile/publish-profile.js
 *   node dist/profile/bench/profile/top-self-time.js /tmp/prof/<file>.cpuprofile 30
 *
 * (`EVENTS=<n>` changes the count; `SIGNATURES=off` publishes unsigned, as
 * the bench's signatures-off rows do; `IN_FLIGHT=1` makes the second phase
 * awaited too, to profile that alone; validation-profile.js times payload
 * checks.)
 */

const EVENTS = Number(process.env.EVENTS ?? 20_000);
const WARM_UP = 2_000;
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 1_000);

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const raw = new Redis(redis.url);
  @Module({
    imports: [
      EventBusModule.forRoot({ service: 'profile', redisUrl: redis.url }),
    ],
  })
  class ProfileModule {}
  const app = await NestFactory.createApplicationContext(ProfileModule, {
    logger: ['error', 'warn'],
  });
  try {
    if (process.env.SIGNATURES === 'off') turnSignaturesOff(app);
    await app.init();
    const bus = app.get(EventBus);
    const deadline = Date.now() + 10_000;
    while (
      (await bus.publish('user.verified', userVerifiedPayload())).redis !==
      'published'
    ) {
      if (Date.now() > deadline) throw new Error('the bus never connected');
      await new Promise((done) => setTimeout(done, 50));
    }
    const { event } = await bus.publish('user.verified', userVerifiedPayload());
    const bytes = Buffer.byteLength(JSON.stringify(event));
    for (let i = 0; i < WARM_UP; i++)
      await bus.publish('user.verified', userVerifiedPayload());

    let start = performance.now();
    let cpu = process.cpuUsage();
    for (let i = 0; i < EVENTS; i++) {
      const receipt = await bus.publish('user.verified', userVerifiedPayload());
      if (receipt.redis !== 'published') throw new Error(receipt.redis);
    }
    const awaited = (EVENTS / (performance.now() - start)) * 1_000;
    const awaitedCpu = cpuMicrosPerEvent(cpu);

    start = performance.now();
    cpu = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next++ < EVENTS) {
        const receipt = await bus.publish(
          'user.verified',
          userVerifiedPayload(),
        );
        if (receipt.redis !== 'published') throw new Error(receipt.redis);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const concurrent = (EVENTS / (performance.now() - start)) * 1_000;
    const concurrentCpu = cpuMicrosPerEvent(cpu);

    const length = await raw.xlen(streamKey('eventbus:', 'user.verified'));
    const expected = 2 + WARM_UP + 2 * EVENTS;
    console.log(
      JSON.stringify({
        envelopeBytes: bytes,
        events: EVENTS,
        awaitedPerSecond: Math.round(awaited),
        awaitedCpuMicrosPerEvent: awaitedCpu,
        inFlight: IN_FLIGHT,
        concurrentPerSecond: Math.round(concurrent),
        concurrentCpuMicrosPerEvent: concurrentCpu,
        streamLength: length,
        lost: Math.max(0, expected - length),
      }),
    );
  } finally {
    await app.close();
    await raw.quit();
    await redis.kill();
  }
}

/** This process's CPU time (user + system) per event since `since`. */
function cpuMicrosPerEvent(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return Math.round((user + system) / EVENTS);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
