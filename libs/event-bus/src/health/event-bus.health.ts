import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EventBusStatus } from './event-bus-status.js';

/**
 * Terminus indicator of the bus: down when its Redis is unreachable (the app
 * still serves local subscribers, but events wait in the buffer), with mode,
 * latency, subscriptions and backlog in the details.
 */
@Injectable()
export class EventBusHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly status: EventBusStatus,
  ) {}

  async isHealthy(key = 'eventBus') {
    const indicator = this.health.check(key);
    const report = await this.status.report();
    const { status, mode, redis, buffered, subscriptions, durable } = report;
    const { stalledHandlers } = report;
    const details = { mode, redis, buffered, subscriptions, durable };
    return status === 'up' && stalledHandlers === 0
      ? indicator.up(details)
      : indicator.down({ ...details, stalledHandlers });
  }
}
