import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  assertOwnerOrAdmin,
  isAdmin,
  type AuthenticatedUser,
} from '@app/common';
import type { BookingStatusChanged } from '@app/contracts';
import { EventInbox, type EventEnvelope } from '@app/event-bus';
import type { ShiftRow } from '../database/schema.js';
import { isUniqueViolation } from '@app/common';
import { UserDirectoryRepository } from '../directory/user-directory.repository.js';
import {
  defaultHourlyRate,
  defaultOrganizationId,
} from '../organizations/organization-settings.js';
import { PricingCache } from '../organizations/pricing-cache.js';
import type { CreateShiftDto } from './dto/create-shift.dto.js';
import {
  DEFAULT_LIST_LIMIT,
  type ListShiftsQuery,
} from './dto/list-shifts.query.js';
import type { UpdateShiftDto } from './dto/update-shift.dto.js';
import { ShiftEventsPublisher } from './shift-events.publisher.js';
import { toShiftResponse, type ShiftResponse } from './shift.response.js';
import { MAX_SHIFT_DAYS, shiftTimesProblem } from './shift-time.js';
import { SHIFTS_MESSAGES } from './shifts.messages.js';
import {
  BOOKING_UNIQUE_CONSTRAINT,
  ShiftsRepository,
  type ShiftChangeSet,
} from './shifts.repository.js';

/**
 * Shifts and their rules: admins create, change and cancel scheduled shifts;
 * the shift's worker (or an admin) completes it, once; confirmed bookings
 * become shifts, one per booking.
 */
@Injectable()
export class ShiftsService {
  private readonly logger = new Logger(ShiftsService.name);

  constructor(
    private readonly shifts: ShiftsRepository,
    private readonly directory: UserDirectoryRepository,
    private readonly pricing: PricingCache,
    private readonly events: ShiftEventsPublisher,
    private readonly config: ConfigService,
    private readonly inbox: EventInbox,
  ) {}

  async create(dto: CreateShiftDto): Promise<ShiftResponse> {
    const startsAt = new Date(dto.startsAt);
    const endsAt = new Date(dto.endsAt);
    assertValidTimes(startsAt, endsAt);
    let shift: ShiftRow;
    try {
      // The shift and shift.created commit together (outbox).
      shift = await this.shifts.transaction(async (shifts, transaction) => {
        const row = await shifts.insert({
          workerId: dto.workerId,
          clientEmail: dto.clientEmail,
          organizationId: dto.organizationId,
          startsAt,
          endsAt,
          hourlyRate: dto.hourlyRate,
          bookingId: dto.bookingId ?? null,
        });
        await this.events.publish('shift.created', row, transaction);
        return row;
      });
    } catch (error) {
      throw this.bookingConflict(error, dto.bookingId);
    }
    this.logger.log(`Created shift ${shift.id} for worker ${shift.workerId}`);
    return toShiftResponse(shift);
  }

  /**
   * Applies the fields that differ from the stored shift, while it is
   * scheduled (409 otherwise); nothing differs, nothing is written or emitted.
   */
  async update(id: string, dto: UpdateShiftDto): Promise<ShiftResponse> {
    const current = await this.load(id);
    assertScheduled(current, SHIFTS_MESSAGES.notScheduled);
    const changes = changedFields(current, dto);
    if (Object.keys(changes).length === 0) return toShiftResponse(current);
    assertValidTimes(
      changes.startsAt ?? current.startsAt,
      changes.endsAt ?? current.endsAt,
    );
    let updated: ShiftRow | undefined;
    try {
      updated = await this.shifts.transaction(async (shifts, transaction) => {
        const row = await shifts.updateScheduled(id, changes);
        if (row) await this.events.publish('shift.updated', row, transaction);
        return row;
      });
    } catch (error) {
      throw this.bookingConflict(error, changes.bookingId ?? undefined);
    }
    if (!updated) {
      // Completed or cancelled by a concurrent request meanwhile.
      const now = await this.load(id);
      throw new ConflictException(SHIFTS_MESSAGES.notScheduled(id, now.status));
    }
    this.logger.log(
      `Updated shift ${id}: ${Object.keys(changes).join(', ')} changed`,
    );
    return toShiftResponse(updated);
  }

  /**
   * scheduled -> completed, by the shift's worker or an admin. Completing a
   * completed shift answers it unchanged and emits nothing (idempotent); a
   * cancelled one is 409.
   */
  async complete(
    caller: AuthenticatedUser,
    id: string,
  ): Promise<ShiftResponse> {
    const current = await this.loadAccessible(caller, id);
    if (current.status === 'completed') return toShiftResponse(current);
    assertScheduled(current, SHIFTS_MESSAGES.cannotComplete);
    const completed = await this.shifts.transaction(
      async (shifts, transaction) => {
        const row = await shifts.complete(id);
        if (row) {
          await this.events.publish('shift.completed', row, transaction);
        }
        return row;
      },
    );
    if (!completed) {
      // Another request completed (or cancelled) it first: only that one
      // emits shift.completed.
      const now = await this.load(id);
      if (now.status === 'completed') return toShiftResponse(now);
      throw new ConflictException(
        SHIFTS_MESSAGES.cannotComplete(id, now.status),
      );
    }
    this.logger.log(`Completed shift ${id}`);
    return toShiftResponse(completed);
  }

  /** scheduled -> cancelled (admin); any other status is 409. */
  async cancel(id: string): Promise<ShiftResponse> {
    const current = await this.load(id);
    assertScheduled(current, SHIFTS_MESSAGES.cannotCancel);
    const cancelled = await this.shifts.transaction(
      async (shifts, transaction) => {
        const row = await shifts.cancel(id);
        if (row) {
          await this.events.publish('shift.cancelled', row, transaction);
        }
        return row;
      },
    );
    if (!cancelled) {
      const now = await this.load(id);
      throw new ConflictException(SHIFTS_MESSAGES.cannotCancel(id, now.status));
    }
    this.logger.log(`Cancelled shift ${id}`);
    return toShiftResponse(cancelled);
  }

  async findOne(caller: AuthenticatedUser, id: string): Promise<ShiftResponse> {
    return toShiftResponse(await this.loadAccessible(caller, id));
  }

  /** An admin lists any shifts; anyone else only their own (403 otherwise). */
  async list(
    caller: AuthenticatedUser,
    query: ListShiftsQuery,
  ): Promise<{ items: ShiftResponse[] }> {
    let workerId = query.workerId;
    if (!isAdmin(caller)) {
      if (workerId && workerId !== caller.id) {
        throw new ForbiddenException(SHIFTS_MESSAGES.listOthers);
      }
      workerId = caller.id;
    }
    const rows = await this.shifts.list({
      workerId,
      bookingId: query.bookingId,
      limit: query.limit ?? DEFAULT_LIST_LIMIT,
    });
    return { items: rows.map(toShiftResponse) };
  }

  /**
   * `booking.confirmed`: schedules the assigned worker's shift for the
   * booking, for the customer's e-mail (from the user directory), in the
   * default organization at its hourly rate (`DEFAULT_HOURLY_RATE` when it
   * has no stored settings). One shift per booking: the
   * event is recorded in the inbox in the shift's transaction, and the
   * booking id is unique, so neither a redelivery nor a second confirmation
   * inserts anything. Bookings that cannot become a shift are logged and
   * skipped (a retry would not change them).
   */
  async scheduleForBooking(
    event: EventEnvelope<BookingStatusChanged>,
  ): Promise<ShiftResponse | undefined> {
    const booking = event.data;
    const { bookingId } = booking;
    if (!booking.workerId) {
      this.logger.warn(SHIFTS_MESSAGES.bookingWithoutWorker(bookingId));
      return undefined;
    }
    const startsAt = new Date(booking.startsAt);
    const endsAt = new Date(booking.endsAt);
    const problem = shiftTimesProblem(startsAt, endsAt);
    if (problem) {
      this.logger.warn(
        SHIFTS_MESSAGES.bookingInvalidTimes(bookingId, timesMessage(problem)),
      );
      return undefined;
    }
    const customer = await this.directory.findById(booking.customerId);
    if (!customer) {
      this.logger.warn(
        SHIFTS_MESSAGES.unknownCustomer(bookingId, booking.customerId),
      );
      return undefined;
    }
    const organizationId = defaultOrganizationId(this.config);
    // An organization without stored settings has the defaults (contract).
    const hourlyRate =
      (await this.pricing.get(organizationId))?.hourlyRate ??
      defaultHourlyRate(this.config);
    const { workerId } = booking;
    // The inbox record, the shift and shift.created commit together.
    const shift = await this.shifts.transaction(async (shifts, transaction) => {
      if (!(await this.inbox.accept(transaction, event))) return undefined;
      const row = await shifts.insertForBooking({
        workerId,
        clientEmail: customer.email,
        organizationId,
        startsAt,
        endsAt,
        hourlyRate,
        bookingId,
      });
      if (row) await this.events.publish('shift.created', row, transaction);
      return row;
    });
    if (!shift) {
      this.logger.log(`Booking ${bookingId} already has a shift`);
      return undefined;
    }
    this.logger.log(`Scheduled shift ${shift.id} for booking ${bookingId}`);
    return toShiftResponse(shift);
  }

  private async load(id: string): Promise<ShiftRow> {
    const shift = await this.shifts.findById(id);
    if (!shift) throw new NotFoundException(SHIFTS_MESSAGES.notFound(id));
    return shift;
  }

  /** 404 for an unknown id, then 403 unless the caller works it or is admin. */
  private async loadAccessible(
    caller: AuthenticatedUser,
    id: string,
  ): Promise<ShiftRow> {
    const shift = await this.load(id);
    assertOwnerOrAdmin(caller, shift.workerId, 'this shift');
    return shift;
  }

  private bookingConflict(error: unknown, bookingId?: string): unknown {
    if (bookingId && isUniqueViolation(error, BOOKING_UNIQUE_CONSTRAINT)) {
      return new ConflictException(SHIFTS_MESSAGES.bookingTaken(bookingId));
    }
    return error;
  }
}

function assertScheduled(
  shift: ShiftRow,
  message: (id: string, status: string) => string,
): void {
  if (shift.status !== 'scheduled') {
    throw new ConflictException(message(shift.id, shift.status));
  }
}

/** 400 naming the fields when the times do not make a shift. */
function assertValidTimes(startsAt: Date, endsAt: Date): void {
  const problem = shiftTimesProblem(startsAt, endsAt);
  if (problem) throw new BadRequestException([timesMessage(problem)]);
}

function timesMessage(problem: 'endsBeforeStart' | 'tooLong'): string {
  return problem === 'endsBeforeStart'
    ? SHIFTS_MESSAGES.endsBeforeStart
    : SHIFTS_MESSAGES.tooLong(MAX_SHIFT_DAYS);
}

/** The fields of `dto` that differ from `current`, as column values. */
function changedFields(current: ShiftRow, dto: UpdateShiftDto): ShiftChangeSet {
  const changes: ShiftChangeSet = {};
  if (dto.workerId != null && dto.workerId !== current.workerId) {
    changes.workerId = dto.workerId;
  }
  if (dto.clientEmail != null && dto.clientEmail !== current.clientEmail) {
    changes.clientEmail = dto.clientEmail;
  }
  if (
    dto.organizationId != null &&
    dto.organizationId !== current.organizationId
  ) {
    changes.organizationId = dto.organizationId;
  }
  if (dto.startsAt != null) {
    const startsAt = new Date(dto.startsAt);
    if (startsAt.getTime() !== current.startsAt.getTime()) {
      changes.startsAt = startsAt;
    }
  }
  if (dto.endsAt != null) {
    const endsAt = new Date(dto.endsAt);
    if (endsAt.getTime() !== current.endsAt.getTime()) changes.endsAt = endsAt;
  }
  if (dto.hourlyRate != null && dto.hourlyRate !== current.hourlyRate) {
    changes.hourlyRate = dto.hourlyRate;
  }
  if (dto.bookingId != null && dto.bookingId !== current.bookingId) {
    changes.bookingId = dto.bookingId;
  }
  return changes;
}
