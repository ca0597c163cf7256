import { Injectable, Logger } from '@nestjs/common';
import type { EventPayload, EventType } from '@app/contracts';
import { EventBus } from '@app/event-bus';
import type { UserRow } from '../database/schema.js';
import type { UserChangeSet } from './users.repository.js';

/**
 * The events of user-service, built from user rows. Called after the write
 * has committed: the write stands, so a publish failure (which the bus only
 * raises for an invalid payload, i.e. a bug) is logged rather than turned
 * into a 500 for a request that did succeed.
 */
@Injectable()
export class UserEventsPublisher {
  private readonly logger = new Logger(UserEventsPublisher.name);

  constructor(private readonly bus: EventBus) {}

  registered(user: UserRow, verificationToken: string): Promise<void> {
    return this.publish('user.registered', {
      userId: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      verificationToken,
      timestamp: now(),
    });
  }

  verified(user: UserRow): Promise<void> {
    return this.publish('user.verified', {
      userId: user.id,
      email: user.email,
      name: user.name,
      timestamp: now(),
    });
  }

  updated(userId: string, changes: UserChangeSet): Promise<void> {
    return this.publish('user.updated', { userId, changes, timestamp: now() });
  }

  deleted(user: UserRow): Promise<void> {
    return this.publish('user.deleted', {
      userId: user.id,
      email: user.email,
      timestamp: now(),
    });
  }

  login(user: UserRow): Promise<void> {
    return this.publish('auth.login', {
      userId: user.id,
      email: user.email,
      role: user.role,
      timestamp: now(),
    });
  }

  private async publish<TType extends EventType>(
    type: TType,
    data: EventPayload<TType>,
  ): Promise<void> {
    try {
      await this.bus.publish(type, data);
    } catch (error) {
      // Never the payload: user.registered carries the one-time token.
      this.logger.error(
        `Could not publish ${type}: ${(error as Error).message}`,
      );
    }
  }
}

const now = () => new Date().toISOString();
