import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { ConfigurableHealthModule } from './health.module-definition.js';
import { QueueHealthIndicator } from './queue.health.js';

/**
 * `GET /health` of an app. Each app lists its checks in
 * `HealthModule.forRootAsync({ inject, useFactory })`.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [QueueHealthIndicator],
  exports: [QueueHealthIndicator],
})
export class HealthModule extends ConfigurableHealthModule {}
