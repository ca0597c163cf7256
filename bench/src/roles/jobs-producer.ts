import { Queue } from 'bullmq';
import { drive, encodeMarker, type LoadMode } from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/** Adds jobs of about 400 bytes to a queue, for both kinds of worker. */
const { redisUrl } = roleOptions<{ redisUrl: string }>();
const { hostname, port } = new URL(redisUrl);
const queues = new Map<string, Queue>();
const queueOf = (name: string) => {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name, {
      connection: { host: hostname, port: Number(port) },
    });
    queues.set(name, queue);
  }
  return queue;
};
const pad = 'x'.repeat(360);

serve(
  {
    async publish(request) {
      const queue = queueOf(String(request.queue));
      const run = String(request.run);
      const result = await drive(
        Number(request.count),
        request.mode as LoadMode,
        (seq) =>
          queue.add(
            'bench',
            { name: encodeMarker(run, seq, pad) },
            { removeOnComplete: true, removeOnFail: 1_000 },
          ),
      );
      return { ...result, messageBytes: 400 };
    },
  },
  async () => {
    await Promise.all([...queues.values()].map((queue) => queue.close()));
  },
);
