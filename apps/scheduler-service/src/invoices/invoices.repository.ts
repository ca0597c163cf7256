import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import type { BusTransaction } from '@app/event-bus';
import { asc, eq } from 'drizzle-orm';
import {
  invoices,
  type InvoiceRow,
  type NewInvoiceRow,
} from '../database/schema.js';

/** The `invoices` table: one invoice per shift (unique `shift_id`). */
@Injectable()
export class InvoicesRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /**
   * Runs `work` in one database transaction, with a repository bound to it
   * and the transaction to publish the change's events into the outbox.
   */
  transaction<T>(
    work: (
      invoices: InvoicesRepository,
      transaction: BusTransaction,
    ) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction((tx) =>
      work(new InvoicesRepository(tx as unknown as Database), tx),
    );
  }

  /**
   * Stores the invoice unless the shift has one. Returns the stored invoice
   * and whether this call inserted it (only then is it announced).
   */
  async insertOnce(
    invoice: NewInvoiceRow,
  ): Promise<{ invoice: InvoiceRow; inserted: boolean }> {
    const [row] = await this.db
      .insert(invoices)
      .values(invoice)
      .onConflictDoNothing({ target: invoices.shiftId })
      .returning();
    if (row) return { invoice: row, inserted: true };
    const existing = await this.findByShiftId(invoice.shiftId);
    if (!existing) {
      throw new Error(`Invoice of shift ${invoice.shiftId} vanished`);
    }
    return { invoice: existing, inserted: false };
  }

  async findById(id: string): Promise<InvoiceRow | undefined> {
    const [row] = await this.db
      .select()
      .from(invoices)
      .where(eq(invoices.id, id));
    return row;
  }

  async findByShiftId(shiftId: string): Promise<InvoiceRow | undefined> {
    const [row] = await this.db
      .select()
      .from(invoices)
      .where(eq(invoices.shiftId, shiftId));
    return row;
  }

  list(limit: number): Promise<InvoiceRow[]> {
    return this.db
      .select()
      .from(invoices)
      .orderBy(asc(invoices.createdAt), asc(invoices.id))
      .limit(limit);
  }
}
