import {
  IsEmail,
  IsInt,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  Min,
} from 'class-validator';

/** `invoice.generated`: `amount` is in minor units of `currency` (ISO 4217). */
export class InvoiceGenerated {
  @IsUUID()
  invoiceId: string;

  @IsUUID()
  shiftId: string;

  @IsEmail()
  clientEmail: string;

  @IsString()
  @MaxLength(200)
  organizationId: string;

  @IsInt()
  @Min(0)
  amount: number;

  @IsString()
  @Length(3, 3)
  currency: string;
}
