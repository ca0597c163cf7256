import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { EmailQueueModule } from './email.constants.js';
import { EmailNotificationsProducer } from './email-notifications.producer.js';
import { EmailWorker } from './email.worker.js';
import { MailTransport } from './mail-transport.js';

/**
 * E-mail delivery: the `email-notifications` queue, its producer and its
 * worker, and the SMTP transport.
 */
@Module({
  imports: [EmailQueueModule, NotificationsModule],
  providers: [EmailNotificationsProducer, EmailWorker, MailTransport],
  exports: [EmailNotificationsProducer],
})
export class EmailModule {}
