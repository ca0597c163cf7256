import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

export interface HealthModuleOptions {
  /** The checks behind `GET /health`: bus, cache, database, queues, ... */
  checks: HealthIndicatorFunction[];
}

export const {
  ConfigurableModuleClass: ConfigurableHealthModule,
  MODULE_OPTIONS_TOKEN: HEALTH_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<HealthModuleOptions>()
  .setClassMethodName('forRoot')
  .build();
