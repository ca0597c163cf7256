/** Texts of the invoice feature's errors and logs, in one place. */
export const INVOICES_MESSAGES = {
  invalidJob: (reasons: string) =>
    `Invalid invoice-generation job data: ${reasons}`,
  notAnObject: 'the job data must be an object',
  shiftNotFound: (shiftId: string) =>
    `Shift ${shiftId} does not exist; no invoice generated`,
  shiftNotCompleted: (shiftId: string, status: string) =>
    `Shift ${shiftId} is ${status}; only a completed shift is invoiced`,
  generated: (
    invoiceId: string,
    shiftId: string,
    amount: number,
    currency: string,
    jobId: string | undefined,
  ) =>
    `Invoice ${invoiceId} for shift ${shiftId}: ${amount} ${currency} (job ${jobId})`,
  duplicate: (invoiceId: string, shiftId: string, jobId: string | undefined) =>
    `Shift ${shiftId} already has invoice ${invoiceId}; nothing generated (job ${jobId})`,
  notFound: (id: string) => `Invoice ${id} not found`,
  invalidId: 'id must be a UUID',
  listNeedsShift:
    'Only an admin may list every invoice; pass the shiftId of one of your shifts',
  shiftOfQueryNotFound: (shiftId: string) => `Shift ${shiftId} not found`,
} as const;
