import { Module } from '@nestjs/common';
import { RecipientsRepository } from './recipients.repository.js';

@Module({
  providers: [RecipientsRepository],
  exports: [RecipientsRepository],
})
export class RecipientsModule {}
