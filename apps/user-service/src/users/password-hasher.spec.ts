import { BCRYPT_COST, PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with bcrypt at its cost, and verifies only the same password', async () => {
    const stored = await hasher.hash('Correct-Horse-1');

    expect(stored).toMatch(new RegExp(`^\\$2b\\$${BCRYPT_COST}\\$.{53}$`));
    await expect(hasher.verify('Correct-Horse-1', stored)).resolves.toBe(true);
    await expect(hasher.verify('Correct-Horse-2', stored)).resolves.toBe(false);
  });

  it('verifies hashes stored before, made by bcryptjs', async () => {
    const byBcryptjs =
      '$2b$10$W.IPDg7dypXMMbQhMA/Jd.aNduHjmYu0AlDjI49qD4cS4IAc/dzgS';

    await expect(hasher.verify('Correct-Horse-1', byBcryptjs)).resolves.toBe(
      true,
    );
    await expect(hasher.verify('correct-horse-1', byBcryptjs)).resolves.toBe(
      false,
    );
  });

  it('answers false, never throws, for no hash, a malformed one or a password over 72 bytes', async () => {
    const stored = await hasher.hash('x'.repeat(72));

    await expect(hasher.verify('Correct-Horse-1', undefined)).resolves.toBe(
      false,
    );
    await expect(
      hasher.verify('Correct-Horse-1', 'not a bcrypt hash'),
    ).resolves.toBe(false);
    // bcrypt reads 72 bytes: the longer password would otherwise match.
    await expect(hasher.verify(`${'x'.repeat(72)}y`, stored)).resolves.toBe(
      false,
    );
  });
});
