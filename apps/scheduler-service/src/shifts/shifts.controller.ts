import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { CurrentUser, Roles, type AuthenticatedUser } from '@app/common';
import { CreateShiftDto } from './dto/create-shift.dto.js';
import { ListShiftsQuery } from './dto/list-shifts.query.js';
import { UpdateShiftDto } from './dto/update-shift.dto.js';
import type { ShiftResponse } from './shift.response.js';
import { SHIFTS_MESSAGES } from './shifts.messages.js';
import { ShiftsService } from './shifts.service.js';

/** A 400 that names the field, like the validation errors of the bodies. */
const shiftId = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException(SHIFTS_MESSAGES.invalidId),
});

/**
 * `/shifts`: admins create, change and cancel; the shift's worker (or an
 * admin) reads and completes it.
 */
@Controller('shifts')
export class ShiftsController {
  constructor(private readonly shifts: ShiftsService) {}

  @Post()
  @Roles('admin')
  create(@Body() dto: CreateShiftDto): Promise<ShiftResponse> {
    return this.shifts.create(dto);
  }

  @Get()
  list(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: ListShiftsQuery,
  ): Promise<{ items: ShiftResponse[] }> {
    return this.shifts.list(caller, query);
  }

  @Get(':id')
  findOne(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', shiftId) id: string,
  ): Promise<ShiftResponse> {
    return this.shifts.findOne(caller, id);
  }

  @Patch(':id')
  @Roles('admin')
  update(
    @Param('id', shiftId) id: string,
    @Body() dto: UpdateShiftDto,
  ): Promise<ShiftResponse> {
    return this.shifts.update(id, dto);
  }

  @Post(':id/complete')
  @HttpCode(HttpStatus.OK)
  complete(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', shiftId) id: string,
  ): Promise<ShiftResponse> {
    return this.shifts.complete(caller, id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @Roles('admin')
  cancel(@Param('id', shiftId) id: string): Promise<ShiftResponse> {
    return this.shifts.cancel(id);
  }
}
