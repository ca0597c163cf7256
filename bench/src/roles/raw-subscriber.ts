import { Redis } from 'ioredis';
import { Tally, tallyHandlers } from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/** The pub/sub floor: ioredis `SUBSCRIBE`, one `JSON.parse` per message. */
const { redisUrl, channel } = roleOptions<{
  redisUrl: string;
  channel: string;
}>();
const tally = new Tally();
const redis = new Redis(redisUrl);
redis.on('message', (_channel: string, message: string) => {
  const packet = JSON.parse(message) as {
    data?: { data?: { name?: unknown } };
  };
  tally.record(packet.data?.data?.name);
});
await redis.subscribe(channel);
serve(tallyHandlers(tally), async () => void (await redis.quit()));
