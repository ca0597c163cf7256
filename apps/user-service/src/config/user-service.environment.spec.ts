import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { InvalidConfigurationError, validateEnvironment } from '@app/common';
import { UserServiceEnvironment } from './user-service.environment.js';

const validate = validateEnvironment(UserServiceEnvironment);
const strongSecret = 'x'.repeat(48);

function message(config: Record<string, unknown>): string {
  try {
    validate(config);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    return (error as Error).message;
  }
  return '';
}

describe('UserServiceEnvironment', () => {
  let dir: string;
  let publicKeyFile: string;
  let privateKeyFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'user-env-'));
    const { publicKey, privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
    });
    publicKeyFile = join(dir, 'public.pem');
    privateKeyFile = join(dir, 'private.pem');
    writeFileSync(
      publicKeyFile,
      publicKey.export({ type: 'spki', format: 'pem' }),
    );
    writeFileSync(
      privateKeyFile,
      privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the .env.example secrets in production, in one line', () => {
    const line = message({
      NODE_ENV: 'production',
      JWT_SECRET: 'change-me-to-a-long-random-string',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'change-me',
    });

    expect(line).not.toContain('\n');
    expect(line).toContain('JWT_SECRET must not be the .env.example value');
    expect(line).toContain('ADMIN_PASSWORD must not be the .env.example value');
  });

  it('refuses what .env.example itself says, in production', () => {
    const example = parseEnv(readFileSync('.env.example', 'utf8'));

    const line = message({ ...example, NODE_ENV: 'production' });

    expect(line).toContain('JWT_SECRET must not be the .env.example value');
    expect(line).toContain('ADMIN_PASSWORD must not be the .env.example value');
  });

  it('refuses a secret under 32 bytes in production only', () => {
    const short = { JWT_SECRET: 'a-secret-of-20-bytes' };

    expect(message({ ...short, NODE_ENV: 'production' })).toContain(
      'at least 32 bytes',
    );
    expect(message({ ...short, NODE_ENV: 'development' })).toBe('');
  });

  it('refuses an admin password failing the registration rules', () => {
    expect(
      message({
        NODE_ENV: 'production',
        JWT_SECRET: strongSecret,
        ADMIN_PASSWORD: 'short',
      }),
    ).toContain('ADMIN_PASSWORD must be at least 8 characters');
  });

  it('accepts strong values in production', () => {
    expect(
      message({
        NODE_ENV: 'production',
        JWT_SECRET: strongSecret,
        ADMIN_PASSWORD: 'a long admin passphrase',
      }),
    ).toBe('');
  });

  it('needs no JWT_SECRET once the key files are set', () => {
    expect(
      message({
        JWT_PRIVATE_KEY_FILE: privateKeyFile,
        JWT_PUBLIC_KEY_FILE: publicKeyFile,
      }),
    ).toBe('');
    expect(message({})).toContain('JWT_SECRET is required unless');
  });

  it('needs the private key on user-service, which signs', () => {
    expect(message({ JWT_PUBLIC_KEY_FILE: publicKeyFile })).toContain(
      'JWT_PRIVATE_KEY_FILE is required on user-service',
    );
  });

  it('names an unreadable or wrong key file', () => {
    expect(
      message({ JWT_PRIVATE_KEY_FILE: join(dir, 'missing.pem') }),
    ).toContain('JWT_PRIVATE_KEY_FILE must name a readable PEM key file');
    expect(message({ JWT_PRIVATE_KEY_FILE: publicKeyFile })).toContain(
      'JWT_PRIVATE_KEY_FILE must name a readable PEM key file',
    );
  });
});
