import { Module } from '@nestjs/common';
import { UserDirectoryRepository } from './user-directory.repository.js';
import { UserEventsController } from './user-events.controller.js';

/** The local directory of users (id -> e-mail, name), fed by user events. */
@Module({
  controllers: [UserEventsController],
  providers: [UserDirectoryRepository],
  exports: [UserDirectoryRepository],
})
export class UserDirectoryModule {}
