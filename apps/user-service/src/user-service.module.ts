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
  validateEnvironment,
  MetricsModule,
} from '@app/common';
import {
  EventBusHealthIndicator,
  EventBusModule,
  eventBusOptionsFromConfig,
} from '@app/event-bus';
import type { Redis } from 'ioredis';
import { UserAuthModule } from './auth/user-auth.module.js';
import { UserServiceEnvironment } from './config/user-service.environment.js';
import { MIGRATIONS_FOLDER, SERVICE_NAME } from './user-service.constants.js';
import { UsersModule } from './users/users.module.js';

export { SERVICE_NAME } from './user-service.constants.js';

/**
 * user-service: users, e-mail verification and login; issues the JWTs every
 * other service accepts (ARCHITECTURE.md section 5).
 */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      validate: validateEnvironment(UserServiceEnvironment),
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
    UsersModule,
    UserAuthModule,
  ],
})
export class UserServiceModule {}
