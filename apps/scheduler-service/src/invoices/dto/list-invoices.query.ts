import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { MAX_LIST_LIMIT } from '../../shifts/dto/list-shifts.query.js';

/** Query of `GET /invoices`; a non-admin must name one of their shifts. */
export class ListInvoicesQuery {
  @IsOptional()
  @IsUUID()
  shiftId?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  limit?: number;
}
