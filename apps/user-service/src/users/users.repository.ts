import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import type { BusTransaction } from '@app/event-bus';
import type { UserRole } from '@app/contracts';
import { eq, sql } from 'drizzle-orm';
import { users, type NewUserRow, type UserRow } from '../database/schema.js';

/** Name of the unique constraint on `users.email` (see the migration). */
export const EMAIL_UNIQUE_CONSTRAINT = 'users_email_unique';

/** Fields of a user that `PATCH /users/:id` may change. */
export interface UserChangeSet {
  name?: string;
  role?: UserRole;
}

/**
 * The `users` table. Every write is one statement, so concurrent requests
 * settle in the database (unique e-mail, one-time token) rather than in a
 * read-then-write race.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /**
   * Runs `work` in one database transaction, with a repository bound to it
   * and the transaction to publish the change's events into the outbox.
   */
  transaction<T>(
    work: (users: UsersRepository, transaction: BusTransaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction((tx) =>
      work(new UsersRepository(tx as unknown as Database), tx),
    );
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  /** `email` must already be normalised (lower-case). */
  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(eq(users.email, email));
    return row;
  }

  /** Inserts a user; a taken e-mail fails with a unique violation. */
  async insert(user: NewUserRow): Promise<UserRow> {
    const [row] = await this.db.insert(users).values(user).returning();
    return row;
  }

  /** Inserts a user unless the e-mail is taken; `undefined` when it was. */
  async insertIfEmailFree(user: NewUserRow): Promise<UserRow | undefined> {
    const [row] = await this.db
      .insert(users)
      .values(user)
      .onConflictDoNothing({ target: users.email })
      .returning();
    return row;
  }

  /** `undefined` when the user no longer exists. */
  async update(
    id: string,
    changes: UserChangeSet,
  ): Promise<UserRow | undefined> {
    const [row] = await this.db
      .update(users)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(users.id, id))
      .returning();
    return row;
  }

  /** `undefined` when the user did not exist. */
  async delete(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .delete(users)
      .where(eq(users.id, id))
      .returning();
    return row;
  }

  /**
   * Marks the holder of the token verified and forgets the token, in one
   * statement: of two concurrent uses only one finds the row.
   */
  async consumeVerificationToken(
    tokenHash: string,
  ): Promise<UserRow | undefined> {
    const [row] = await this.db
      .update(users)
      .set({
        verifiedAt: sql`now()`,
        verificationTokenHash: null,
        updatedAt: sql`now()`,
      })
      .where(eq(users.verificationTokenHash, tokenHash))
      .returning();
    return row;
  }
}
