import { BullModule, OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Worker, type Job } from 'bullmq';
import { LoggedWorkerHost } from '@app/common';
import { Tally, tallyHandlers } from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/**
 * The same no-op processor behind the project's worker base
 * (`LoggedWorkerHost`, through `@nestjs/bullmq`) or a raw BullMQ `Worker`;
 * a job counts when the worker reports it completed.
 */
const { redisUrl, queue, concurrency, variant } = roleOptions<{
  redisUrl: string;
  queue: string;
  concurrency: number;
  variant: 'nest' | 'raw';
}>();
const tally = new Tally();
const { hostname, port } = new URL(redisUrl);
const connection = { host: hostname, port: Number(port) };
type BenchJob = Job<{ name: string }>;

@Processor(queue, { concurrency })
class BenchProcessor extends LoggedWorkerHost {
  protected readonly logger = new Logger(BenchProcessor.name);
  protected readonly jobLabel = 'Bench job';

  async process(): Promise<void> {}

  @OnWorkerEvent('completed')
  onCompleted(job: BenchJob): void {
    tally.record(job.data.name);
  }
}

@Module({
  imports: [
    BullModule.forRoot({ connection }),
    BullModule.registerQueue({ name: queue }),
  ],
  providers: [BenchProcessor],
})
class JobsModule {}

let close: () => Promise<void>;
if (variant === 'nest') {
  const app = await NestFactory.createApplicationContext(JobsModule, {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.init();
  close = () => app.close();
} else {
  const worker = new Worker(queue, async () => {}, { connection, concurrency });
  worker.on('completed', (job: BenchJob) => tally.record(job.data.name));
  await worker.waitUntilReady();
  close = () => worker.close();
}
serve(tallyHandlers(tally), () => close());
