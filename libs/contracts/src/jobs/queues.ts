import {
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';

/** BullMQ queue names of the contract. */
export const QUEUES = {
  invoiceGeneration: 'invoice-generation',
  emailNotifications: 'email-notifications',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ refuses `:` in custom job ids, hence the dash. */
export const invoiceJobId = (shiftId: string): string => `invoice-${shiftId}`;

/** Job data of `invoice-generation`. */
export class InvoiceGenerationJob {
  @IsUUID()
  shiftId: string;

  @IsEmail()
  clientEmail: string;

  @IsString()
  @MaxLength(200)
  organizationId: string;

  /** Carried from the request or event that queued the job. */
  @IsOptional()
  @IsString()
  correlationId?: string;

  /**
   * The id of the event that queued the job: the `causationid` of what the
   * job publishes.
   */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  causationId?: string;
}

export const EMAIL_TEMPLATES = [
  'verify-email',
  'welcome',
  'booking-status',
  'invoice',
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** Job data of `email-notifications`. */
export class EmailNotificationJob {
  @IsEmail()
  to: string;

  @IsIn(EMAIL_TEMPLATES)
  template: EmailTemplate;

  @IsObject()
  variables: Record<string, string | number | boolean | null>;

  /** The event that caused the e-mail, or any unique id for a direct job. */
  @IsString()
  @MaxLength(200)
  eventId: string;

  /** Carried from the request or event that queued the job. */
  @IsOptional()
  @IsString()
  correlationId?: string;

  /**
   * The id of the event that queued the job: the `causationid` of what the
   * job publishes.
   */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  causationId?: string;
}
