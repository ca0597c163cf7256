import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import { eq, sql } from 'drizzle-orm';
import { userDirectory, type UserDirectoryRow } from '../database/schema.js';

/**
 * The `user_directory` table: user id -> e-mail and name, kept from user
 * events. Every write is idempotent, so redelivered events are harmless.
 */
@Injectable()
export class UserDirectoryRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  async findById(userId: string): Promise<UserDirectoryRow | undefined> {
    const [row] = await this.db
      .select()
      .from(userDirectory)
      .where(eq(userDirectory.userId, userId));
    return row;
  }

  async upsert(user: {
    userId: string;
    email: string;
    name: string;
  }): Promise<void> {
    await this.db
      .insert(userDirectory)
      .values(user)
      .onConflictDoUpdate({
        target: userDirectory.userId,
        set: { email: user.email, name: user.name, updatedAt: sql`now()` },
      });
  }

  async rename(userId: string, name: string): Promise<void> {
    await this.db
      .update(userDirectory)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(userDirectory.userId, userId));
  }

  async delete(userId: string): Promise<void> {
    await this.db.delete(userDirectory).where(eq(userDirectory.userId, userId));
  }
}
