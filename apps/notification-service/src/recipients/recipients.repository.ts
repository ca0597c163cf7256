import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { InjectDatabase, type Database } from '@app/common';
import { recipients, type RecipientRow } from '../database/schema.js';

/** The `recipients` table: user id -> e-mail address and name. */
@Injectable()
export class RecipientsRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  async upsert(userId: string, email: string, name: string): Promise<void> {
    await this.db
      .insert(recipients)
      .values({ userId, email, name })
      .onConflictDoUpdate({
        target: recipients.userId,
        set: { email, name, updatedAt: sql`now()` },
      });
  }

  async rename(userId: string, name: string): Promise<void> {
    await this.db
      .update(recipients)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(recipients.userId, userId));
  }

  async remove(userId: string): Promise<void> {
    await this.db.delete(recipients).where(eq(recipients.userId, userId));
  }

  async find(userId: string): Promise<RecipientRow | undefined> {
    const [row] = await this.db
      .select()
      .from(recipients)
      .where(eq(recipients.userId, userId))
      .limit(1);
    return row;
  }
}
