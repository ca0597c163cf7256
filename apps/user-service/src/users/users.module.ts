import { Module } from '@nestjs/common';
import { AdminBootstrap } from './admin-bootstrap.service.js';
import { PasswordHasher } from './password-hasher.js';
import { UserEventsPublisher } from './user-events.publisher.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * Users: `/users` routes, the users table, their events and the first admin.
 * Exports what login needs (lookup, password check, `auth.login` event).
 */
@Module({
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersRepository,
    PasswordHasher,
    UserEventsPublisher,
    AdminBootstrap,
  ],
  exports: [UsersRepository, PasswordHasher, UserEventsPublisher],
})
export class UsersModule {}
