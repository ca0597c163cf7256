import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusModule } from '@app/event-bus';
import {
  drive,
  encodeMarker,
  padding,
  verifiedPayload,
  type LoadMode,
} from '../load.js';
import { roleOptions, serve } from '../protocol.js';
import { turnSignaturesOff, type BusRoleOptions } from '../signatures.js';

/**
 * `EventBus.publish` of `user.verified`, as user-service publishes it;
 * unsigned with `signatures: false` (bench only, see signatures.ts).
 */
const {
  redisUrl,
  signatures = true,
  keyPrefix,
} = roleOptions<BusRoleOptions>();

@Module({
  imports: [
    EventBusModule.forRoot({ service: 'user-service', redisUrl, keyPrefix }),
  ],
})
class PublisherModule {}

const app = await NestFactory.createApplicationContext(PublisherModule, {
  logger: ['error', 'warn'],
});
if (!signatures) turnSignaturesOff(app);
await app.init();
const bus = app.get(EventBus);

// The first publish waits for the connection; it also gives the envelope's
// size without padding.
let bare = 0;
const deadline = Date.now() + 30_000;
for (;;) {
  const receipt = await bus.publish(
    'user.verified',
    verifiedPayload(encodeMarker('probe', 0, '')),
  );
  bare = JSON.stringify(receipt.event).length;
  if (receipt.redis === 'published') break;
  if (Date.now() > deadline) throw new Error('the bus never reached Redis');
  await new Promise((resolve) => setTimeout(resolve, 50));
}

serve(
  {
    async publish(request) {
      const run = String(request.run);
      const pad = padding(Number(request.payloadBytes), bare);
      const result = await drive(
        Number(request.count),
        request.mode as LoadMode,
        (seq) =>
          bus.publish(
            'user.verified',
            verifiedPayload(encodeMarker(run, seq, pad)),
          ),
      );
      return { ...result, messageBytes: bare + pad.length };
    },
  },
  () => app.close(),
);
