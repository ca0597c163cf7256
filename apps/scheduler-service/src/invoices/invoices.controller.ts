import {
  BadRequestException,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Query,
} from '@nestjs/common';
import { CurrentUser, type AuthenticatedUser } from '@app/common';
import { ListInvoicesQuery } from './dto/list-invoices.query.js';
import type { InvoiceResponse } from './invoice.response.js';
import { INVOICES_MESSAGES } from './invoices.messages.js';
import { InvoicesService } from './invoices.service.js';

const invoiceId = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException(INVOICES_MESSAGES.invalidId),
});

/** `/invoices`: read-only; invoices are made by the `InvoiceWorker`. */
@Controller('invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Get()
  list(
    @CurrentUser() caller: AuthenticatedUser,
    @Query() query: ListInvoicesQuery,
  ): Promise<{ items: InvoiceResponse[] }> {
    return this.invoices.list(caller, query);
  }

  @Get(':id')
  findOne(
    @CurrentUser() caller: AuthenticatedUser,
    @Param('id', invoiceId) id: string,
  ): Promise<InvoiceResponse> {
    return this.invoices.findOne(caller, id);
  }
}
