import { Controller, ForbiddenException, Get, Query } from '@nestjs/common';
import { CurrentUser, isAdmin, type AuthenticatedUser } from '@app/common';
import { DEFAULT_LIST_LIMIT } from '../shifts/dto/list-shifts.query.js';
import { ListTimesheetsQuery } from './dto/list-timesheets.query.js';
import {
  toTimesheetEntryResponse,
  type TimesheetEntryResponse,
} from './timesheet.response.js';
import { TimesheetsRepository } from './timesheets.repository.js';

/**
 * `GET /timesheets?workerId=`: an admin reads anyone's (everyone's without
 * `workerId`); anyone else only their own (403 for another's).
 */
@Controller('timesheets')
export class TimesheetsController {
  constructor(private readonly timesheets: TimesheetsRepository) {}

  @Get()
  async list(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: ListTimesheetsQuery,
  ): Promise<{ items: TimesheetEntryResponse[] }> {
    let workerId = query.workerId;
    if (!isAdmin(caller)) {
      if (workerId && workerId !== caller.id) {
        throw new ForbiddenException('You may only read your own timesheet');
      }
      workerId = caller.id;
    }
    const rows = await this.timesheets.list({
      workerId,
      limit: query.limit ?? DEFAULT_LIST_LIMIT,
    });
    return { items: rows.map(toTimesheetEntryResponse) };
  }
}
