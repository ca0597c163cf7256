import { Injectable } from '@nestjs/common';
import { compare, hash } from 'bcryptjs';

/** bcrypt cost: about 50-100 ms per hash, the usual balance for logins. */
export const BCRYPT_COST = 10;

/** bcrypt reads only this many bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

/** Hashes and checks passwords with bcrypt. */
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
      this.dummyHash ??= hash('not a password of anyone', BCRYPT_COST);
      await compare(password, await this.dummyHash);
      return false;
    }
    return compare(password, passwordHash);
  }
}
