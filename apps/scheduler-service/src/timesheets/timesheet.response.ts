import type { TimesheetEntryRow } from '../database/schema.js';

/** A timesheet entry as `GET /timesheets` returns it. */
export interface TimesheetEntryResponse {
  id: string;
  shiftId: string;
  workerId: string;
  startedAt: string;
  endedAt: string;
  minutes: number;
  recordedAt: string;
}

export function toTimesheetEntryResponse(
  row: TimesheetEntryRow,
): TimesheetEntryResponse {
  return {
    id: row.id,
    shiftId: row.shiftId,
    workerId: row.workerId,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt.toISOString(),
    minutes: row.minutes,
    recordedAt: row.recordedAt.toISOString(),
  };
}
