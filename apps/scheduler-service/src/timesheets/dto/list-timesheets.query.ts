import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { MAX_LIST_LIMIT } from '../../shifts/dto/list-shifts.query.js';

/** Query of `GET /timesheets`; without `workerId` an admin sees everyone's. */
export class ListTimesheetsQuery {
  @IsOptional()
  @IsUUID()
  workerId?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  limit?: number;
}
