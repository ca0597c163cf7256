import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_CATALOGUE } from '@app/contracts';
import {
  createEventEnvelope,
  EventTrust,
  parseEnvelope,
  type EnvelopeVerifier,
  type EventEnvelope,
} from '@app/event-bus';
import { userVerifiedPayload } from './user-verified-payload.js';

/**
 * What signatures cost per event, in one process and without Redis:
 * sealing (`sealBatched` in batches of `BATCH`, as a saturated publisher
 * signs, beside `JSON.stringify` alone) and opening (`JSON.parse` and
 * `parseEnvelope` with the trust check, beside the same on unsigned text),
 * in microseconds per event. Profile with `node --cpu-prof`.
 *
 *   npx nest build bench -p bench/profile/tsconfig.json
 *   node dist/profile/bench/profile/verify-profile.js
 */

const EVENTS = Number(process.env.EVENTS ?? 64_000);
// A saturated publisher's batches: `MAX_BATCH_LEAVES`.
const BATCH = Number(process.env.BATCH ?? 64);
const ROUNDS = 3;

/** Signs `envelopes` in batches of `BATCH`, as a saturated publisher does. */
async function sealAll(
  publisher: EventTrust,
  envelopes: EventEnvelope[],
): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < envelopes.length; i += BATCH) {
    const batch = await Promise.all(
      envelopes
        .slice(i, i + BATCH)
        .map((event) => publisher.sealBatched(event)),
    );
    for (const { text } of batch) texts.push(text);
  }
  return texts;
}

const envelope = () =>
  createEventEnvelope({
    type: 'user.verified',
    source: 'user-service',
    data: userVerifiedPayload(),
    dataversion: EVENT_CATALOGUE['user.verified'].version,
  });

function parseAll(texts: string[], verify?: EnvelopeVerifier): void {
  for (const text of texts) {
    const parsed = parseEnvelope(
      'user.verified',
      JSON.parse(text),
      verify,
      text,
    );
    if (!parsed.ok) throw new Error(parsed.reason);
  }
}

async function microsPerEvent(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return Number((((performance.now() - start) * 1_000) / EVENTS).toFixed(2));
}

async function main(): Promise<void> {
  const keysDir = mkdtempSync(join(tmpdir(), 'verify-profile-'));
  try {
    const publisher = new EventTrust({
      service: 'user-service',
      trust: { keysDir },
    });
    publisher.onModuleInit();
    const rounds: object[] = [];
    let signed: string[] = [];
    let unsigned: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const envelopes = Array.from({ length: EVENTS }, envelope);
      // A fresh consumer each round: it has verified no batch yet.
      const consumer = new EventTrust({
        service: 'notification-service',
        trust: { keysDir },
      });
      consumer.onModuleInit();
      const verify = consumer.forConsumers().verify;
      rounds.push({
        sealUnsigned: await microsPerEvent(
          () => (unsigned = envelopes.map((event) => JSON.stringify(event))),
        ),
        sealSigned: await microsPerEvent(
          async () => (signed = await sealAll(publisher, envelopes)),
        ),
        openUnsigned: await microsPerEvent(() => parseAll(unsigned)),
        openSigned: await microsPerEvent(() => parseAll(signed, verify)),
      });
    }
    console.log(
      JSON.stringify({
        events: EVENTS,
        batch: BATCH,
        signedBytes: Buffer.byteLength(signed[BATCH >> 1]),
        unsignedBytes: Buffer.byteLength(unsigned[0]),
        microsPerEvent: rounds,
      }),
    );
  } finally {
    rmSync(keysDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
