import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
import type { BusTransaction } from '@app/event-bus';
import { asc, eq } from 'drizzle-orm';
import {
  timesheetEntries,
  type TimesheetEntryRow,
} from '../database/schema.js';

export interface NewTimesheetEntry {
  shiftId: string;
  workerId: string;
  startedAt: Date;
  endedAt: Date;
  minutes: number;
}

/** The `timesheet_entries` table: one entry per shift (unique `shift_id`). */
@Injectable()
export class TimesheetsRepository {
  constructor(@InjectDatabase() private readonly db: Database) {}

  /**
   * Runs `work` in one database transaction, with a repository bound to it
   * and the transaction (for the inbox record of the event being handled).
   */
  transaction<T>(
    work: (
      timesheets: TimesheetsRepository,
      transaction: BusTransaction,
    ) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction((tx) =>
      work(new TimesheetsRepository(tx as unknown as Database), tx),
    );
  }

  /** Inserts the entry unless the shift has one; true when it inserted. */
  async insertOnce(entry: NewTimesheetEntry): Promise<boolean> {
    const inserted = await this.db
      .insert(timesheetEntries)
      .values(entry)
      .onConflictDoNothing({ target: timesheetEntries.shiftId })
      .returning({ id: timesheetEntries.id });
    return inserted.length > 0;
  }

  list(filter: {
    workerId?: string;
    limit: number;
  }): Promise<TimesheetEntryRow[]> {
    return this.db
      .select()
      .from(timesheetEntries)
      .where(
        filter.workerId
          ? eq(timesheetEntries.workerId, filter.workerId)
          : undefined,
      )
      .orderBy(asc(timesheetEntries.startedAt), asc(timesheetEntries.id))
      .limit(filter.limit);
  }
}
