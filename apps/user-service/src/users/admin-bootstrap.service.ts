import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { normalizeEmail } from './email.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersRepository } from './users.repository.js';

export const FIRST_ADMIN_NAME = 'Administrator';

/**
 * Creates the first admin from `ADMIN_EMAIL` / `ADMIN_PASSWORD` at start-up,
 * since admins cannot self-register. Idempotent: an existing account with
 * that e-mail is left as it is, and two instances starting at once cannot
 * both insert it (insert ... on conflict do nothing).
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly config: ConfigService,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rawEmail = this.config.get<string>('ADMIN_EMAIL');
    const password = this.config.get<string>('ADMIN_PASSWORD');
    if (!rawEmail && !password) return;
    if (!rawEmail || !password) {
      this.logger.warn(
        'Set both ADMIN_EMAIL and ADMIN_PASSWORD to create the first admin; skipped',
      );
      return;
    }
    const email = normalizeEmail(rawEmail);
    // Skips the bcrypt hash on every restart after the first.
    if (await this.users.findByEmail(email)) {
      this.logger.log(`Admin account ${email} already exists`);
      return;
    }
    const created = await this.users.insertIfEmailFree({
      email,
      name: FIRST_ADMIN_NAME,
      role: 'admin',
      passwordHash: await this.passwords.hash(password),
      verifiedAt: new Date(),
    });
    this.logger.log(
      created
        ? `Created the first admin account ${email}`
        : `Admin account ${email} already exists`,
    );
  }
}
