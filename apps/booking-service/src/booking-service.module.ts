import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  AuthModule,
  CacheRedisModule,
  CACHE_REDIS,
  DatabaseHealthIndicator,
  DatabaseModule,
  HealthModule,
  RedisHealthIndicator,
  ServiceEnvironment,
  validateEnvironment,
  MetricsModule,
} from '@app/common';
import {
  EventBusHealthIndicator,
  EventBusModule,
  eventBusOptionsFromConfig,
} from '@app/event-bus';
import type { Redis } from 'ioredis';
import {
  MIGRATIONS_FOLDER,
  SERVICE_NAME,
} from './booking-service.constants.js';
import { BookingsModule } from './bookings/bookings.module.js';

export { SERVICE_NAME } from './booking-service.constants.js';

/**
 * booking-service: bookings and their lifecycle (ARCHITECTURE.md section 5).
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      validate: validateEnvironment(ServiceEnvironment),
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
    MetricsModule,
    HealthModule.forRootAsync({
      inject: [
        EventBusHealthIndicator,
        RedisHealthIndicator,
        CACHE_REDIS,
        DatabaseHealthIndicator,
      ],
      useFactory: (
        bus: EventBusHealthIndicator,
        redis: RedisHealthIndicator,
        cache: Redis,
        database: DatabaseHealthIndicator,
      ) => ({
        checks: [
          () => bus.isHealthy('eventBus'),
          () => redis.pingCheck('cacheRedis', cache),
          () => database.pingCheck('database'),
        ],
      }),
    }),
    BookingsModule,
  ],
})
export class BookingServiceModule {}
