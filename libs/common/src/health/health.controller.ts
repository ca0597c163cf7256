import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators.js';
import {
  HEALTH_MODULE_OPTIONS,
  type HealthModuleOptions,
} from './health.module-definition.js';

@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(HEALTH_MODULE_OPTIONS)
    private readonly options: HealthModuleOptions,
  ) {}

  /** 200 when every check is up, 503 with the details of each otherwise. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check(this.options.checks);
  }
}
