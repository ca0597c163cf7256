import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  CurrentUser,
  Public,
  Roles,
  type AuthenticatedUser,
} from '@app/common';
import type { EventType } from '@app/contracts';
import {
  EventValidationError,
  InvalidPublishOptionsError,
  UnknownEventTypeError,
} from './errors/event-validation.error.js';
import { EventBus } from './event-bus.js';
import { HistoryQueryDto, PublishEventDto } from './event-bus.dto.js';
import { EventBusStatus } from './health/event-bus-status.js';
import { EventHistory } from './history/event-history.js';
import { EventNotSentError } from './transport/redis-event.publisher.js';
import { EventPublishForbiddenError } from './trust/trust.errors.js';

/** The event endpoints every app serves (ARCHITECTURE.md section 6). */
@Controller('api/events')
export class EventBusController {
  constructor(
    private readonly bus: EventBus,
    private readonly status: EventBusStatus,
    private readonly history: EventHistory,
  ) {}

  @Get('health')
  @Public()
  health() {
    return this.status.report();
  }

  @Get('history')
  @Roles('admin')
  async queryHistory(@Query() query: HistoryQueryDto) {
    if (query.source === 'local') {
      return { items: this.history.queryLocal(query) };
    }
    try {
      return { items: await this.history.queryRedis(query) };
    } catch (error) {
      throw new ServiceUnavailableException(
        `The event history in Redis cannot be read now (${(error as Error).message}); source=local still answers`,
      );
    }
  }

  /**
   * Publishes an event as this service; the payload is validated as any
   * other, only types this service's role publishes are accepted (403), and
   * the admin's id goes into the event (`publishedby`) and the history.
   */
  @Post('publish')
  @Roles('admin')
  async publish(
    @Body() body: PublishEventDto,
    @CurrentUser() admin: AuthenticatedUser,
  ) {
    try {
      const receipt = await this.bus.publish(
        body.type as EventType,
        body.payload as never,
        { ...body.options, publishedBy: admin.id },
      );
      return receipt;
    } catch (error) {
      if (
        error instanceof EventValidationError ||
        error instanceof UnknownEventTypeError ||
        error instanceof InvalidPublishOptionsError
      ) {
        throw new BadRequestException(error.message);
      }
      if (error instanceof EventNotSentError) {
        throw new ServiceUnavailableException(error.message);
      }
      if (error instanceof EventPublishForbiddenError) {
        throw new ForbiddenException(error.message);
      }
      throw error;
    }
  }
}
