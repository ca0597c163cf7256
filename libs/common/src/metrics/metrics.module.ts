import {
  Controller,
  Get,
  Header,
  Module,
  type OnModuleInit,
} from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { Public } from '../auth/auth.decorators.js';

/** `GET /metrics`, open like `/health`: Prometheus scrapes without a token. */
@Controller('metrics')
export class MetricsController {
  @Public()
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

/**
 * `GET /metrics` in the Prometheus text format, from prom-client's registry:
 * the process's default metrics (CPU, memory, event-loop lag, ...) and what
 * the app and its libraries register there, such as the event bus's
 * `eventbus_*` metrics. (`@willsoto/nestjs-prometheus` does the same but is
 * CommonJS requiring `@nestjs/common`, which Nest 12 ships as ESM only.)
 */
@Module({ controllers: [MetricsController] })
export class MetricsModule implements OnModuleInit {
  onModuleInit(): void {
    // Once per process, however many apps (or tests) import the module.
    if (!register.getSingleMetric('process_cpu_seconds_total')) {
      collectDefaultMetrics();
    }
  }
}
