import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  ServiceUnavailableException,
  type PipeTransform,
} from '@nestjs/common';
import { Roles } from '@app/common';
import {
  ConsumerGroupNotFoundError,
  StreamRetention,
} from './stream-retention.js';

/** Consumer group names as the services use them (`SERVICE_NAME`). */
class GroupNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[\w.:-]{1,200}$/.test(value)) {
      throw new BadRequestException(
        'group must be a consumer group name such as booking-service',
      );
    }
    return value;
  }
}

/**
 * Admin routes over the durable transport's consumer groups: their lag per
 * event type, and the removal of a group gone for good, which releases what
 * retention kept for it.
 */
@Controller('api/events/consumer-groups')
@Roles('admin')
export class ConsumerGroupsController {
  constructor(private readonly retention: StreamRetention) {}

  /** Per event type and group: entries and seconds not handled yet. */
  @Get()
  async list() {
    return { streams: await this.run(() => this.retention.measure()) };
  }

  /** `XGROUP DESTROY` on every stream, and out of the registry. */
  @Delete(':group')
  async remove(@Param('group', GroupNamePipe) group: string) {
    return this.run(() => this.retention.removeGroup(group));
  }

  private async run<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ConsumerGroupNotFoundError) {
        throw new NotFoundException(error.message);
      }
      throw new ServiceUnavailableException(
        `The event streams cannot be reached now: ${(error as Error).message}`,
      );
    }
  }
}
