import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import nodemailer, { type Transporter } from 'nodemailer';

export const DEFAULT_MAIL_FROM = 'Notifications <no-reply@localhost>';

/** Bounded so a dead SMTP server fails the attempt instead of hanging it. */
const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
};

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends e-mails over SMTP when `SMTP_URL` is set. Without it `enabled` is
 * false and the worker records e-mails instead of sending them.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transporter: Transporter | null;

  constructor(config: ConfigService) {
    const url = config.get<string>('SMTP_URL');
    if (!url) {
      this.transporter = null;
      this.logger.log('SMTP_URL is not set: e-mails are recorded, not sent');
      return;
    }
    this.transporter = nodemailer.createTransport(
      { url, ...SMTP_TIMEOUTS },
      { from: config.get<string>('SMTP_FROM') ?? DEFAULT_MAIL_FROM },
    );
    this.logger.log(`E-mails are sent over SMTP at ${describeSmtpUrl(url)}`);
  }

  get enabled(): boolean {
    return this.transporter !== null;
  }

  /** Sends one plain-text e-mail; rejects when the SMTP server refuses it. */
  async send(email: OutgoingEmail): Promise<void> {
    if (!this.transporter) {
      throw new Error('SMTP is not configured (SMTP_URL is not set)');
    }
    await this.transporter.sendMail(email);
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}

/** `smtp://host:port` without credentials, safe to log. */
function describeSmtpUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  return `${url.protocol}//${url.host}`;
}
