import {
  ClientProxyFactory,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  baselineEnvelope,
  drive,
  encodeMarker,
  padding,
  type LoadMode,
} from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/** Stock Nest: `ClientProxy.emit` over `Transport.REDIS`, nothing of ours. */
const { redisUrl, pattern } = roleOptions<{
  redisUrl: string;
  pattern: string;
}>();
const { hostname, port } = new URL(redisUrl);
const client: ClientProxy = ClientProxyFactory.create({
  transport: Transport.REDIS,
  options: { host: hostname, port: Number(port) },
});
await client.connect();
const bare = JSON.stringify(
  baselineEnvelope(pattern, encodeMarker('probe', 0, '')),
).length;

serve(
  {
    async publish(request) {
      const run = String(request.run);
      const pad = padding(Number(request.payloadBytes), bare);
      const result = await drive(
        Number(request.count),
        request.mode as LoadMode,
        (seq) =>
          lastValueFrom(
            client.emit<unknown>(
              pattern,
              baselineEnvelope(pattern, encodeMarker(run, seq, pad)),
            ),
            { defaultValue: undefined },
          ),
      );
      return { ...result, messageBytes: bare + pad.length };
    },
  },
  // ClientProxy.close() is typed `any`; ClientRedis's returns a promise.
  async () => {
    await (client.close() as Promise<void>);
  },
);
