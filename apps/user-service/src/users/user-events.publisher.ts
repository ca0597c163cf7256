import { Injectable, Logger } from '@nestjs/common';
import { EventBus, type BusTransaction } from '@app/event-bus';
import type { UserRow } from '../database/schema.js';
import type { UserChangeSet } from './users.repository.js';

/**
 * The events of user-service, built from user rows. An event of a write
 * goes into the outbox in the write's transaction (a failure, i.e. an
 * invalid payload, rolls both back). `auth.login` writes nothing: it is
 * published at once, and a failure is logged rather than turned into a 500.
 */
@Injectable()
export class UserEventsPublisher {
  private readonly logger = new Logger(UserEventsPublisher.name);

  constructor(private readonly bus: EventBus) {}

  async registered(
    user: UserRow,
    verificationToken: string,
    transaction: BusTransaction,
  ): Promise<void> {
    await this.bus.publish(
      'user.registered',
      {
        userId: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        verificationToken,
        timestamp: now(),
      },
      { transaction },
    );
  }

  async verified(user: UserRow, transaction: BusTransaction): Promise<void> {
    await this.bus.publish(
      'user.verified',
      {
        userId: user.id,
        email: user.email,
        name: user.name,
        timestamp: now(),
      },
      { transaction },
    );
  }

  async updated(
    userId: string,
    changes: UserChangeSet,
    transaction: BusTransaction,
  ): Promise<void> {
    await this.bus.publish(
      'user.updated',
      { userId, changes, timestamp: now() },
      { transaction },
    );
  }

  async deleted(user: UserRow, transaction: BusTransaction): Promise<void> {
    await this.bus.publish(
      'user.deleted',
      {
        userId: user.id,
        email: user.email,
        timestamp: now(),
      },
      { transaction },
    );
  }

  async login(user: UserRow): Promise<void> {
    try {
      await this.bus.publish('auth.login', {
        userId: user.id,
        email: user.email,
        role: user.role,
        timestamp: now(),
      });
    } catch (error) {
      this.logger.error(
        `Could not publish auth.login: ${(error as Error).message}`,
      );
    }
  }
}

const now = () => new Date().toISOString();
