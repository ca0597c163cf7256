import { IsOptional, IsString, IsUrl } from 'class-validator';
import { ServiceEnvironment } from '@app/common';

/**
 * notification-service's variables: the shared ones plus SMTP. Without
 * `SMTP_URL` e-mails are recorded, not sent (ARCHITECTURE.md section 5).
 */
export class NotificationEnvironment extends ServiceEnvironment {
  @IsOptional()
  @IsUrl(
    {
      protocols: ['smtp', 'smtps'],
      require_tld: false,
      require_protocol: true,
    },
    { message: 'SMTP_URL must be an smtp:// or smtps:// URL' },
  )
  SMTP_URL?: string;

  /** Sender of the e-mails sent over SMTP; default `DEFAULT_MAIL_FROM`. */
  @IsOptional()
  @IsString()
  SMTP_FROM?: string;
}
