import type { InvoiceRow } from '../database/schema.js';

/** An invoice as the routes return it; `amount` in minor units. */
export interface InvoiceResponse {
  id: string;
  shiftId: string;
  clientEmail: string;
  organizationId: string;
  minutes: number;
  hourlyRate: number;
  amount: number;
  currency: string;
  createdAt: string;
}

export function toInvoiceResponse(row: InvoiceRow): InvoiceResponse {
  return {
    id: row.id,
    shiftId: row.shiftId,
    clientEmail: row.clientEmail,
    organizationId: row.organizationId,
    minutes: row.minutes,
    hourlyRate: row.hourlyRate,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.createdAt.toISOString(),
  };
}
