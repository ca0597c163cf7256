import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  AuthModule,
  CacheRedisModule,
  CACHE_REDIS,
  HealthModule,
  RedisHealthIndicator,
  ServiceEnvironment,
  validateEnvironment,
} from '@app/common';
import {
  EventBusHealthIndicator,
  EventBusModule,
  eventBusOptionsFromConfig,
} from '@app/event-bus';
import type { Redis } from 'ioredis';

export const SERVICE_NAME = 'scheduler-service';

/**
 * scheduler-service: shifts, timesheets and invoices. For now the bus, health
 * and access rules are wired; shifts and the invoice worker come with the
 * booking and scheduling issue.
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      validate: validateEnvironment(ServiceEnvironment),
    }),
    AuthModule,
    CacheRedisModule,
    EventBusModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        eventBusOptionsFromConfig(SERVICE_NAME, config),
    }),
    HealthModule.forRootAsync({
      inject: [EventBusHealthIndicator, RedisHealthIndicator, CACHE_REDIS],
      useFactory: (
        bus: EventBusHealthIndicator,
        redis: RedisHealthIndicator,
        cache: Redis,
      ) => ({
        checks: [
          () => bus.isHealthy('eventBus'),
          () => redis.pingCheck('cacheRedis', cache),
        ],
      }),
    }),
  ],
})
export class SchedulerServiceModule {}
