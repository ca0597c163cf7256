import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/bcrypt';

/** bcrypt cost: about 50-100 ms per hash, the usual balance for logins. */
export const BCRYPT_COST = 10;

/** bcrypt reads only this many bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * Hashes and checks passwords with bcrypt, natively on libuv's thread pool,
 * so that a hash (about 60 ms of CPU at cost 10) never holds up the event
 * loop. Standard `$2b$` hashes: any bcrypt library's verify.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, BCRYPT_COST);
  }

  /**
   * True when `password` matches `passwordHash`. Without a hash (unknown
   * e-mail) it still spends the time of one comparison, so response times do
   * not tell which e-mails have accounts.
   */
  async verify(
    password: string,
    passwordHash: string | undefined,
  ): Promise<boolean> {
    // bcrypt would ignore the bytes past 72, letting "password + anything"
    // in; no stored password is that long (registration refuses it).
    const tooLong = Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES;
    if (passwordHash === undefined || tooLong) {
      this.dummyHash ??= this.hash('not a password of anyone');
      await verify(password, await this.dummyHash);
      return false;
    }
    return verify(password, passwordHash);
  }
}
