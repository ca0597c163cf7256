/**
 * Cost of the trust layer per event, on one core: canonical form, Ed25519
 * signature and verification, AES-256-GCM of the sensitive fields, against
 * the shape-and-payload check every consumer does anyway. A measurement,
 * not a test: run `npx tsx bench/trust/sign-verify.bench.ts [events]`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalForm,
  createEventEnvelope,
  EventTrust,
  parseEnvelope,
  type EventEnvelope,
} from '@app/event-bus';

const EVENTS = Number(process.argv[2] ?? 20_000);
const keysDir = mkdtempSync(join(tmpdir(), 'bench-keys-'));
const publisher = new EventTrust({
  service: 'user-service',
  trust: { keysDir },
});
const consumer = new EventTrust({
  service: 'notification-service',
  trust: { keysDir },
});

const verified = () =>
  createEventEnvelope({
    type: 'user.verified',
    source: 'user-service',
    dataversion: 1,
    data: {
      userId: randomUUID(),
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      timestamp: new Date().toISOString(),
    },
  });
const registered = () =>
  createEventEnvelope({
    type: 'user.registered',
    source: 'user-service',
    dataversion: 1,
    data: {
      userId: randomUUID(),
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      role: 'customer',
      verificationToken: randomUUID(),
      timestamp: new Date().toISOString(),
    },
  });

interface Result {
  case: string;
  usPerEvent: number;
  cpuUsPerEvent: number;
  eventsPerSecond: number;
}

function measure(
  name: string,
  inputs: unknown[],
  run: (input: never) => unknown,
): Result {
  for (let i = 0; i < Math.min(1_000, inputs.length); i++)
    run(inputs[i] as never);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const input of inputs) run(input as never);
  const ns = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  const us = ns / 1_000 / inputs.length;
  return {
    case: name,
    usPerEvent: round(us),
    cpuUsPerEvent: round((used.user + used.system) / inputs.length),
    eventsPerSecond: Math.round(1e6 / us),
  };
}
const round = (n: number) => Math.round(n * 10) / 10;
const many = <T>(make: () => T) => Array.from({ length: EVENTS }, make);
const wire = (e: object) => JSON.parse(JSON.stringify(e)) as EventEnvelope;

const plain = many(verified);
const sensitive = many(registered);
const sealedPlain = plain.map((e) => wire(publisher.seal(e)));
const sealedSensitive = sensitive.map((e) => wire(publisher.seal(e)));

const results = [
  measure(
    'consume check, trust off (shape + payload)',
    plain.map(wire),
    (e: EventEnvelope) => parseEnvelope(e.type, e),
  ),
  measure(
    'consume check, trust on (+ verify)',
    sealedPlain,
    (e: EventEnvelope) => parseEnvelope(e.type, e, (x) => consumer.open(x)),
  ),
  measure(
    'consume check, trust on, user.registered (+ verify + decrypt)',
    sealedSensitive,
    (e: EventEnvelope) => parseEnvelope(e.type, e, (x) => consumer.open(x)),
  ),
  measure('publish: seal (canonical form + sign)', plain, (e: EventEnvelope) =>
    publisher.seal(e),
  ),
  measure(
    'publish: seal user.registered (+ encrypt)',
    sensitive,
    (e: EventEnvelope) => publisher.seal(e),
  ),
  measure('canonical form alone (RFC 8785)', sealedPlain, (e: EventEnvelope) =>
    canonicalForm(e, ['signature', 'signaturekeyid']),
  ),
  measure(
    'JSON.stringify alone (serialised once per publish anyway)',
    plain,
    (e: EventEnvelope) => JSON.stringify(e),
  ),
];
console.table(results);
console.log(
  JSON.stringify({ events: EVENTS, node: process.version, results }, null, 2),
);
rmSync(keysDir, { recursive: true, force: true });
