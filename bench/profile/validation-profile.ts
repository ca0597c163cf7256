import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { EventType } from '@app/contracts';
import { assertValidPayload } from '@app/event-bus';
import { userVerifiedPayload } from './user-verified-payload.js';

/** Microseconds per `assertValidPayload` of valid payloads, per type. */

const updated = () => ({
  userId: randomUUID(),
  changes: { name: 'Ada', role: 'worker' },
  timestamp: new Date().toISOString(),
});
const shift = () => ({
  shiftId: randomUUID(),
  workerId: randomUUID(),
  clientEmail: 'client@example.com',
  organizationId: 'org-1',
  startsAt: new Date().toISOString(),
  endsAt: new Date().toISOString(),
  hourlyRate: 2500,
  status: 'scheduled',
  timestamp: new Date().toISOString(),
});

const cases: Array<[EventType, () => object]> = [
  ['user.verified', userVerifiedPayload],
  ['user.updated', updated],
  ['shift.created', shift],
];
for (const [type, make] of cases) {
  const samples = Array.from({ length: 1_000 }, make);
  for (let i = 0; i < 20_000; i++) assertValidPayload(type, samples[i % 1_000]);
  const runs = 50_000;
  const start = performance.now();
  for (let i = 0; i < runs; i++) assertValidPayload(type, samples[i % 1_000]);
  const micros = ((performance.now() - start) * 1_000) / runs;
  console.log(`${type}: ${micros.toFixed(2)} µs per validation`);
}
