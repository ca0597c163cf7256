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
import { SchedulerEnvironment } from './config/scheduler-environment.js';
import { UserDirectoryModule } from './directory/user-directory.module.js';
import {
  INVOICE_QUEUE,
  InvoiceQueueModule,
} from './invoices/invoice.constants.js';
import { InvoicesModule } from './invoices/invoices.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import {
  MIGRATIONS_FOLDER,
  SERVICE_NAME,
} from './scheduler-service.constants.js';
import { ShiftsModule } from './shifts/shifts.module.js';
import { TimesheetsModule } from './timesheets/timesheets.module.js';

export { SERVICE_NAME } from './scheduler-service.constants.js';

/**
 * scheduler-service: shifts, timesheets and invoices (ARCHITECTURE.md
 * section 5). Completed shifts are recorded in the timesheet and invoiced by
 * the `invoice-generation` worker.
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      validate: validateEnvironment(SchedulerEnvironment),
    }),
    AuthModule,
    CacheRedisModule,
    DatabaseModule.forRoot({
      service: SERVICE_NAME,
      migrationsFolder: MIGRATIONS_FOLDER,
    }),
    EventBusModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        eventBusOptionsFromConfig(SERVICE_NAME, config),
    }),
    // Jobs live on the event-bus Redis under BullMQ's default `bull` prefix.
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService): QueueOptions => ({
        connection: bullConnection(config),
      }),
    }),
    OrganizationsModule,
    UserDirectoryModule,
    ShiftsModule,
    InvoicesModule,
    TimesheetsModule,
    MetricsModule,
    HealthModule.forRootAsync({
      imports: [InvoiceQueueModule],
      inject: [
        EventBusHealthIndicator,
        RedisHealthIndicator,
        CACHE_REDIS,
        DatabaseHealthIndicator,
        QueueHealthIndicator,
        getQueueToken(INVOICE_QUEUE),
      ],
      useFactory: (
        bus: EventBusHealthIndicator,
        redis: RedisHealthIndicator,
        cache: Redis,
        database: DatabaseHealthIndicator,
        queues: QueueHealthIndicator,
        invoiceQueue: Queue,
      ) => ({
        checks: [
          () => bus.isHealthy('eventBus'),
          () => redis.pingCheck('cacheRedis', cache),
          () => database.pingCheck('database'),
          () => queues.check(invoiceQueue),
        ],
      }),
    }),
  ],
})
export class SchedulerServiceModule {}
