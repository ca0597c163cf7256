import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigService } from '@nestjs/config';
import type { JwtModuleOptions } from '@nestjs/jwt';
import type { Algorithm } from 'jsonwebtoken';

/** Lifetime of an access token; every token carries `exp`. */
export const ACCESS_TOKEN_TTL_SECONDS = 3_600;
/** Default `iss` of the access tokens, set by user-service, checked by all. */
export const DEFAULT_JWT_ISSUER = 'user-service';
/** Default `aud` of the access tokens: the services of this backend. */
export const DEFAULT_JWT_AUDIENCE = 'event-driven-nest';

/** A key file that cannot serve as an access-token key. */
export class InvalidAccessTokenKeyError extends Error {
  constructor(variable: string, reason: string) {
    super(
      `${variable} must name a readable PEM key file (RSA, or EC on P-256, P-384 or P-521): ${reason}`,
    );
    this.name = InvalidAccessTokenKeyError.name;
  }
}

const EC_ALGORITHMS: Record<string, Algorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

/** The one algorithm a key signs with; the verifier accepts only that one. */
export function algorithmOfKey(key: KeyObject): Algorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve && EC_ALGORITHMS[curve]) {
    return EC_ALGORITHMS[curve];
  }
  throw new Error(
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}`,
  );
}

/** Reads and checks `variable`'s key file; the error says what is wrong. */
export function readAccessTokenKey(
  variable: string,
  file: string,
  kind: 'private' | 'public',
): KeyObject {
  let key: KeyObject;
  try {
    const pem = readFileSync(file);
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    algorithmOfKey(key);
  } catch (error) {
    throw new InvalidAccessTokenKeyError(variable, (error as Error).message);
  }
  return key;
}

/**
 * How access tokens are signed and checked, from the validated environment:
 * with `JWT_PRIVATE_KEY_FILE` (user-service) or `JWT_PUBLIC_KEY_FILE` (the
 * others) an asymmetric algorithm, and the shared `JWT_SECRET` is then no
 * longer accepted; otherwise HS256 with `JWT_SECRET`. Either way one
 * algorithm only (no `none`, no switching to HS256 with the public key as
 * secret), and `iss`, `aud` and `exp` set and checked.
 */
export function accessTokenJwtOptions(config: ConfigService): JwtModuleOptions {
  const issuer = config.get<string>('JWT_ISSUER') ?? DEFAULT_JWT_ISSUER;
  const audience = config.get<string>('JWT_AUDIENCE') ?? DEFAULT_JWT_AUDIENCE;
  const privateFile = config.get<string>('JWT_PRIVATE_KEY_FILE');
  const publicFile = config.get<string>('JWT_PUBLIC_KEY_FILE');
  const claims = { issuer, audience };

  if (privateFile || publicFile) {
    const privateKey = privateFile
      ? readAccessTokenKey('JWT_PRIVATE_KEY_FILE', privateFile, 'private')
      : undefined;
    const publicKey = publicFile
      ? readAccessTokenKey('JWT_PUBLIC_KEY_FILE', publicFile, 'public')
      : createPublicKey(privateKey!);
    const algorithm = algorithmOfKey(publicKey);
    return {
      privateKey: privateKey?.export({ type: 'pkcs8', format: 'pem' }),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
      signOptions: {
        algorithm,
        expiresIn: ACCESS_TOKEN_TTL_SECONDS,
        ...claims,
      },
      verifyOptions: { algorithms: [algorithm], ...claims },
    };
  }
  return {
    secret: config.getOrThrow<string>('JWT_SECRET'),
    signOptions: {
      algorithm: 'HS256',
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      ...claims,
    },
    verifyOptions: { algorithms: ['HS256'], ...claims },
  };
}
