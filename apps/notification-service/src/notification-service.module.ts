import { resolve } from 'node:path';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  AuthModule,
  bullConnection,
  CACHE_REDIS,
  CacheRedisModule,
  DatabaseHealthIndicator,
  DatabaseModule,
  HealthModule,
  QueueHealthIndicator,
  RedisHealthIndicator,
  validateEnvironment,
  MetricsModule,
} from '@app/common';
import {
  EventBusHealthIndicator,
  EventBusModule,
  eventBusOptionsFromConfig,
} from '@app/event-bus';
import type { Queue, QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { NotificationEnvironment } from './config/notification-environment.js';
import { EMAIL_QUEUE, EmailQueueModule } from './email/email.constants.js';
import { EventsModule } from './events/events.module.js';
import { LiveModule } from './live/live.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';

export const SERVICE_NAME = 'notification-service';

/**
 * notification-service: turns events into `email-notifications` jobs, whose
 * worker sends (over SMTP) or records each e-mail once, and lists them at
 * `GET /notifications?to=`.
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      validate: validateEnvironment(NotificationEnvironment),
    }),
    AuthModule,
    CacheRedisModule,
    EventBusModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        eventBusOptionsFromConfig(SERVICE_NAME, config),
    }),
    DatabaseModule.forRoot({
      service: SERVICE_NAME,
      // Apps run from the repository root, built or not.
      migrationsFolder: resolve('apps/notification-service/drizzle'),
    }),
    // Jobs live on the event-bus Redis under BullMQ's default `bull` prefix.
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService): QueueOptions => ({
        connection: bullConnection(config),
      }),
    }),
    NotificationsModule,
    EventsModule,
    LiveModule,
    MetricsModule,
    HealthModule.forRootAsync({
      imports: [EmailQueueModule],
      inject: [
        EventBusHealthIndicator,
        RedisHealthIndicator,
        CACHE_REDIS,
        DatabaseHealthIndicator,
        QueueHealthIndicator,
        getQueueToken(EMAIL_QUEUE),
      ],
      useFactory: (
        bus: EventBusHealthIndicator,
        redis: RedisHealthIndicator,
        cache: Redis,
        database: DatabaseHealthIndicator,
        queues: QueueHealthIndicator,
        emailQueue: Queue,
      ) => ({
        checks: [
          () => bus.isHealthy('eventBus'),
          () => redis.pingCheck('cacheRedis', cache),
          () => database.pingCheck('database'),
          () => queues.check(emailQueue),
        ],
      }),
    }),
  ],
})
export class NotificationServiceModule {}
