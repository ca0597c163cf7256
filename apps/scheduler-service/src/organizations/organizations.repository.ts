import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import type { BusTransaction } from '@app/event-bus';
import { eq, sql } from 'drizzle-orm';
import { organizations, type OrganizationRow } from '../database/schema.js';

/** Fields `PUT /organizations/:id` may set. */
export interface OrganizationChanges {
  name?: string;
  currency?: string;
  hourlyRate?: number;
}

/** The `organizations` table. */
@Injectable()
export class OrganizationsRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /**
   * Runs `work` in one database transaction, with a repository bound to it
   * and the transaction to publish the change's events into the outbox.
   */
  transaction<T>(
    work: (
      organizations: OrganizationsRepository,
      transaction: BusTransaction,
    ) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction((tx) =>
      work(new OrganizationsRepository(tx as unknown as Database), tx),
    );
  }

  async findById(id: string): Promise<OrganizationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(organizations)
      .where(eq(organizations.id, id));
    return row;
  }

  /** Creates the organization unless it exists; true when it was created. */
  async insertIfMissing(row: {
    id: string;
    name: string;
    hourlyRate: number;
  }): Promise<boolean> {
    const inserted = await this.db
      .insert(organizations)
      .values(row)
      .onConflictDoNothing({ target: organizations.id })
      .returning({ id: organizations.id });
    return inserted.length > 0;
  }

  /**
   * Creates the organization with `defaults` for what `changes` leaves out,
   * or applies `changes` to the existing one: one statement, so two
   * concurrent PUTs cannot both try to create it.
   */
  async upsert(
    id: string,
    changes: OrganizationChanges,
    defaults: { name: string; hourlyRate: number },
  ): Promise<OrganizationRow> {
    const [row] = await this.db
      .insert(organizations)
      .values({
        id,
        name: changes.name ?? defaults.name,
        currency: changes.currency,
        hourlyRate: changes.hourlyRate ?? defaults.hourlyRate,
      })
      .onConflictDoUpdate({
        target: organizations.id,
        set: { ...changes, updatedAt: sql`now()` },
      })
      .returning();
    return row;
  }
}
