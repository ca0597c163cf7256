import { Injectable } from '@nestjs/common';
import { InjectDatabase, type Database } from '@app/common';
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
   * In one transaction: inserts the entry unless the shift has one, then
   * runs `andThen` (queueing the invoice). If `andThen` fails the insert is
   * rolled back, so the entry never exists without its invoice job having
   * been queued. Resolves true when this call inserted the entry.
   */
  recordOnce(
    entry: NewTimesheetEntry,
    andThen: () => Promise<unknown>,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(timesheetEntries)
        .values(entry)
        .onConflictDoNothing({ target: timesheetEntries.shiftId })
        .returning({ id: timesheetEntries.id });
      await andThen();
      return inserted.length > 0;
    });
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
