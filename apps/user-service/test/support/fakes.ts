import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '@app/common';
import type { UserRole } from '@app/contracts';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { NewUserRow, UserRow } from '../../src/database/schema.js';
import type { UserChangeSet } from '../../src/users/users.repository.js';

/**
 * In-memory collaborators for the unit tests of user-service. They keep the
 * rules the real ones get from PostgreSQL and Redis (unique e-mail, one-time
 * token, atomic failure counting), so the services' own rules can be tested
 * without either.
 */

/** Mimics the `DrizzleQueryError` wrapping a PostgreSQL unique violation. */
export function uniqueViolation(constraint: string): Error {
  return Object.assign(new Error('Failed query: insert into "users"'), {
    cause: Object.assign(new Error('duplicate key value'), {
      code: '23505',
      constraint,
    }),
  });
}

/** What the fake repository hands out as its transaction. */
export const FAKE_TRANSACTION = { fake: 'transaction' };

export class FakeUsersRepository {
  readonly rows = new Map<string, UserRow>();

  /** No database: the work runs with this fake and a stand-in transaction. */
  transaction<T>(
    work: (users: this, transaction: never) => Promise<T>,
  ): Promise<T> {
    return work(this, FAKE_TRANSACTION as never);
  }
  /** Set to make the next `insert` fail as if another request won the race. */
  failNextInsertWith?: Error;

  findById(id: string) {
    return Promise.resolve(this.rows.get(id));
  }

  findByEmail(email: string) {
    return Promise.resolve(
      [...this.rows.values()].find((r) => r.email === email),
    );
  }

  insert(user: NewUserRow): Promise<UserRow> {
    const failure = this.failNextInsertWith;
    this.failNextInsertWith = undefined;
    if (failure) return Promise.reject(failure);
    if ([...this.rows.values()].some((r) => r.email === user.email)) {
      return Promise.reject(uniqueViolation('users_email_unique'));
    }
    const now = new Date();
    const row: UserRow = {
      id: randomUUID(),
      verifiedAt: null,
      verificationTokenHash: null,
      createdAt: now,
      updatedAt: now,
      ...user,
    };
    this.rows.set(row.id, row);
    return Promise.resolve(row);
  }

  async insertIfEmailFree(user: NewUserRow) {
    if (await this.findByEmail(user.email)) return undefined;
    return this.insert(user);
  }

  update(id: string, changes: UserChangeSet) {
    const row = this.rows.get(id);
    if (!row) return Promise.resolve(undefined);
    const updated = { ...row, ...changes, updatedAt: new Date() };
    this.rows.set(id, updated);
    return Promise.resolve(updated);
  }

  delete(id: string) {
    const row = this.rows.get(id);
    this.rows.delete(id);
    return Promise.resolve(row);
  }

  consumeVerificationToken(tokenHash: string) {
    const row = [...this.rows.values()].find(
      (r) => r.verificationTokenHash === tokenHash,
    );
    if (!row) return Promise.resolve(undefined);
    const updated = {
      ...row,
      verifiedAt: new Date(),
      verificationTokenHash: null,
      updatedAt: new Date(),
    };
    this.rows.set(row.id, updated);
    return Promise.resolve(updated);
  }

  /** Adds a user directly, as if registered earlier. */
  async seed(overrides: Partial<NewUserRow> & { password?: string } = {}) {
    const { password = 'correct horse', ...rest } = overrides;
    return this.insert({
      email: `${randomUUID()}@example.com`,
      name: 'Ada',
      role: 'customer',
      passwordHash: `hashed:${password}`,
      verifiedAt: new Date(),
      ...rest,
    });
  }
}

/** "Hashes" by prefixing, so tests can see what was stored. */
export class FakePasswordHasher {
  hash(password: string) {
    return Promise.resolve(`hashed:${password}`);
  }

  verify(password: string, passwordHash: string | undefined) {
    return Promise.resolve(passwordHash === `hashed:${password}`);
  }
}

/** Records what `UserEventsPublisher` was asked to emit. */
export class FakeUserEvents {
  readonly emitted: { type: string; args: unknown[] }[] = [];

  registered(...args: unknown[]) {
    return this.record('user.registered', args);
  }
  verified(...args: unknown[]) {
    return this.record('user.verified', args);
  }
  updated(...args: unknown[]) {
    return this.record('user.updated', args);
  }
  deleted(...args: unknown[]) {
    return this.record('user.deleted', args);
  }
  login(...args: unknown[]) {
    return this.record('auth.login', args);
  }

  ofType(type: string) {
    return this.emitted.filter((e) => e.type === type);
  }

  private record(type: string, args: unknown[]) {
    this.emitted.push({ type, args });
    return Promise.resolve();
  }
}

/** Same counting rules as the Lua scripts of `LoginAttemptsLimiter`. */
export class FakeLoginAttemptsLimiter {
  readonly failures = new Map<string, number>();
  /** Set to simulate an unreachable cache Redis. */
  unavailable?: HttpException;

  /** Counts per e-mail only: the client part is the real limiter's. */
  reserve(email: string, _client?: string): Promise<number> {
    if (this.unavailable) return Promise.reject(this.unavailable);
    const count = this.failures.get(email) ?? 0;
    if (count >= 5) {
      return Promise.reject(
        new HttpException('Too many', HttpStatus.TOO_MANY_REQUESTS),
      );
    }
    this.failures.set(email, count + 1);
    return Promise.resolve(0);
  }

  release(email: string, _client?: string) {
    const count = this.failures.get(email) ?? 0;
    if (count <= 1) this.failures.delete(email);
    else this.failures.set(email, count - 1);
    return Promise.resolve();
  }

  reset(email: string, _client?: string) {
    this.failures.delete(email);
    return Promise.resolve();
  }
}

export const caller = (
  id: string,
  role: UserRole = 'customer',
): AuthenticatedUser => ({ id, role, email: `${id}@example.com` });
