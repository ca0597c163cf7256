import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import {
  assertOwnerOrAdmin,
  auditLog,
  isAdmin,
  type AuthenticatedUser,
} from '@app/common';
import type { UserRow } from '../database/schema.js';
import { isUniqueViolation } from '@app/common';
import type { RegisterUserDto } from './dto/register-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import { normalizeEmail } from './email.js';
import { PasswordHasher } from './password-hasher.js';
import { toUserResponse, type UserResponse } from './user.response.js';
import { UserEventsPublisher } from './user-events.publisher.js';
import {
  EMAIL_UNIQUE_CONSTRAINT,
  UsersRepository,
  type UserChangeSet,
} from './users.repository.js';
import { USERS_MESSAGES } from './users.messages.js';
import {
  createVerificationToken,
  hashVerificationToken,
} from './verification-token.js';

/**
 * Accounts: registration, e-mail verification, reading, changing and
 * deleting users, with the access rules of the contract (owner or admin;
 * only an admin changes roles).
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly events: UserEventsPublisher,
  ) {}

  /** Creates an unverified account and emits `user.registered` with its token. */
  async register(dto: RegisterUserDto): Promise<UserResponse> {
    const email = normalizeEmail(dto.email);
    // Answers a plain duplicate without spending a bcrypt hash; the unique
    // constraint below still settles two concurrent registrations.
    if (await this.users.findByEmail(email)) {
      throw new ConflictException(USERS_MESSAGES.emailTaken);
    }
    const verification = createVerificationToken();
    const passwordHash = await this.passwords.hash(dto.password);
    let user: UserRow;
    try {
      // The user and user.registered commit together (outbox).
      user = await this.users.transaction(async (users, transaction) => {
        const row = await users.insert({
          email,
          name: dto.name,
          role: dto.role ?? 'customer',
          passwordHash,
          verificationTokenHash: verification.hash,
        });
        await this.events.registered(row, verification.token, transaction);
        return row;
      });
    } catch (error) {
      if (isUniqueViolation(error, EMAIL_UNIQUE_CONSTRAINT)) {
        throw new ConflictException(USERS_MESSAGES.emailTaken);
      }
      throw error;
    }
    this.logger.log(`Registered user ${user.id} (${user.role})`);
    return toUserResponse(user);
  }

  /** Uses up a verification token; a second use finds nothing (400). */
  async verify(token: string): Promise<UserResponse> {
    const user = await this.users.transaction(async (users, transaction) => {
      const row = await users.consumeVerificationToken(
        hashVerificationToken(token),
      );
      if (row) await this.events.verified(row, transaction);
      return row;
    });
    if (!user) {
      throw new BadRequestException(USERS_MESSAGES.invalidVerificationToken);
    }
    this.logger.log(`Verified the e-mail of user ${user.id}`);
    return toUserResponse(user);
  }

  async findOne(caller: AuthenticatedUser, id: string): Promise<UserResponse> {
    return toUserResponse(await this.loadAccessible(caller, id));
  }

  /**
   * Applies the fields that differ from the stored user and emits
   * `user.updated` with exactly those; nothing changes, nothing is emitted.
   */
  async update(
    caller: AuthenticatedUser,
    id: string,
    dto: UpdateUserDto,
  ): Promise<UserResponse> {
    const current = await this.loadAccessible(caller, id);
    const changes: UserChangeSet = {};
    if (dto.name != null && dto.name !== current.name) {
      changes.name = dto.name;
    }
    if (dto.role != null && dto.role !== current.role) {
      if (!isAdmin(caller)) {
        throw new ForbiddenException(USERS_MESSAGES.roleChangeNeedsAdmin);
      }
      changes.role = dto.role;
    }
    if (Object.keys(changes).length === 0) {
      return toUserResponse(current);
    }
    const updated = await this.users.transaction(async (users, transaction) => {
      const row = await users.update(id, changes);
      if (row) await this.events.updated(id, changes, transaction);
      return row;
    });
    if (!updated) throw new NotFoundException(USERS_MESSAGES.notFound(id));
    this.logger.log(
      `Updated user ${id}: ${Object.keys(changes).join(', ')} changed`,
    );
    if (changes.role) {
      auditLog(caller, 'user.role.change', `user:${id}`, {
        from: current.role,
        to: changes.role,
      });
    }
    return toUserResponse(updated);
  }

  async remove(caller: AuthenticatedUser, id: string): Promise<void> {
    await this.loadAccessible(caller, id);
    const deleted = await this.users.transaction(async (users, transaction) => {
      const row = await users.delete(id);
      if (row) await this.events.deleted(row, transaction);
      return row;
    });
    // A concurrent delete got there first: the user is gone all the same,
    // but only that request reports it and emits the event.
    if (!deleted) throw new NotFoundException(USERS_MESSAGES.notFound(id));
    this.logger.log(`Deleted user ${id}`);
  }

  /** 404 for an unknown id, then 403 unless the caller owns it or is admin. */
  private async loadAccessible(
    caller: AuthenticatedUser,
    id: string,
  ): Promise<UserRow> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException(USERS_MESSAGES.notFound(id));
    assertOwnerOrAdmin(caller, user.id, 'this user');
    return user;
  }
}
