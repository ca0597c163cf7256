import { Redis } from 'ioredis';
import {
  baselineEnvelope,
  drive,
  encodeMarker,
  padding,
  type LoadMode,
} from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/**
 * The Redis floor: plain ioredis `PUBLISH` of Nest's wire message
 * (`{ pattern, data }`, so a stock Nest subscriber understands it) or
 * `XADD` of the envelope to a stream.
 */
const { redisUrl, kind, target } = roleOptions<{
  redisUrl: string;
  kind: 'publish' | 'xadd';
  target: string;
}>();
const redis = new Redis(redisUrl);
await redis.ping();
const message = (run: string, seq: number, pad: string) =>
  kind === 'publish'
    ? JSON.stringify({
        pattern: target,
        data: baselineEnvelope('user.verified', encodeMarker(run, seq, pad)),
      })
    : JSON.stringify(
        baselineEnvelope('user.verified', encodeMarker(run, seq, pad)),
      );
const bare = message('probe', 0, '').length;

serve(
  {
    async publish(request) {
      const run = String(request.run);
      const pad = padding(Number(request.payloadBytes), bare);
      const result = await drive(
        Number(request.count),
        request.mode as LoadMode,
        (seq) =>
          kind === 'publish'
            ? redis.publish(target, message(run, seq, pad))
            : redis.xadd(target, '*', 'envelope', message(run, seq, pad)),
      );
      return { ...result, messageBytes: bare + pad.length };
    },
  },
  async () => void (await redis.quit()),
);
