import {
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import {
  assertOwnerOrAdmin,
  isAdmin,
  type AuthenticatedUser,
} from '@app/common';
import { ShiftsRepository } from '../shifts/shifts.repository.js';
import { DEFAULT_LIST_LIMIT } from '../shifts/dto/list-shifts.query.js';
import type { ListInvoicesQuery } from './dto/list-invoices.query.js';
import { toInvoiceResponse, type InvoiceResponse } from './invoice.response.js';
import { INVOICES_MESSAGES } from './invoices.messages.js';
import { InvoicesRepository } from './invoices.repository.js';

/** Reading invoices: an admin any, a worker those of their own shifts. */
@Injectable()
export class InvoicesService {
  constructor(
    private readonly invoices: InvoicesRepository,
    private readonly shifts: ShiftsRepository,
  ) {}

  async list(
    caller: AuthenticatedUser,
    query: ListInvoicesQuery,
  ): Promise<{ items: InvoiceResponse[] }> {
    if (!query.shiftId) {
      if (!isAdmin(caller)) {
        throw new ForbiddenException(INVOICES_MESSAGES.listNeedsShift);
      }
      const rows = await this.invoices.list(query.limit ?? DEFAULT_LIST_LIMIT);
      return { items: rows.map(toInvoiceResponse) };
    }
    const shift = await this.shifts.findById(query.shiftId);
    if (!shift) {
      throw new NotFoundException(
        INVOICES_MESSAGES.shiftOfQueryNotFound(query.shiftId),
      );
    }
    assertOwnerOrAdmin(caller, shift.workerId, 'the invoices of this shift');
    const invoice = await this.invoices.findByShiftId(shift.id);
    return { items: invoice ? [toInvoiceResponse(invoice)] : [] };
  }

  /** 404 for an unknown id, then 403 unless the caller worked the shift. */
  async findOne(
    caller: AuthenticatedUser,
    id: string,
  ): Promise<InvoiceResponse> {
    const invoice = await this.invoices.findById(id);
    if (!invoice) throw new NotFoundException(INVOICES_MESSAGES.notFound(id));
    if (!isAdmin(caller)) {
      const shift = await this.shifts.findById(invoice.shiftId);
      assertOwnerOrAdmin(caller, shift?.workerId, 'this invoice');
    }
    return toInvoiceResponse(invoice);
  }
}
