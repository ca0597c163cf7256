import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Tally, tallyHandlers } from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/**
 * The streams floor: `XREADGROUP` of up to 200 entries, one `JSON.parse`
 * per entry, then `XACK`: one command per entry (`each`) or one for the
 * whole read (`batched`).
 */
const { redisUrl, stream, group, ack } = roleOptions<{
  redisUrl: string;
  stream: string;
  group: string;
  ack: 'each' | 'batched';
}>();
const tally = new Tally();
const consumer = randomUUID();
const reader = new Redis(redisUrl);
const writer = new Redis(redisUrl);
await writer
  .xgroup('CREATE', stream, group, '0', 'MKSTREAM')
  .catch((error: Error) => {
    if (!error.message.includes('BUSYGROUP')) throw error;
  });

type Reply = Array<[string, Array<[string, string[]]>]> | null;
let running = true;
const loop = (async () => {
  while (running) {
    const reply = (await reader
      .xreadgroup(
        'GROUP',
        group,
        consumer,
        'COUNT',
        200,
        'BLOCK',
        1_000,
        'STREAMS',
        stream,
        '>',
      )
      .catch(() => null)) as Reply;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    for (const [, fields] of entries) {
      const envelope = JSON.parse(fields[1]) as { data?: { name?: unknown } };
      tally.record(envelope.data?.name);
    }
    const ids = entries.map(([id]) => id);
    if (ack === 'batched') await writer.xack(stream, group, ...ids);
    else await Promise.all(ids.map((id) => writer.xack(stream, group, id)));
  }
})();

serve(tallyHandlers(tally), async () => {
  running = false;
  reader.disconnect();
  await loop;
  await writer.quit();
});
