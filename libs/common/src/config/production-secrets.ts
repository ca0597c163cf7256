import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

/** Shortest `JWT_SECRET` a production service accepts, in bytes (HS256 key size). */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

/**
 * The placeholders of `.env.example` (and anything built on them): a value
 * copied from there is public, so production refuses it.
 */
export const EXAMPLE_SECRET_MARKERS = ['change-me', 'changeme'] as const;

/** Whether `value` is a placeholder of `.env.example`, not a real secret. */
export const isExampleSecret = (value: string): boolean =>
  EXAMPLE_SECRET_MARKERS.some((marker) => value.toLowerCase().includes(marker));

const inProduction = (args: ValidationArguments) =>
  (args.object as { NODE_ENV?: string }).NODE_ENV === 'production';

/**
 * With `NODE_ENV=production`, refuses a placeholder from `.env.example` and,
 * when `minBytes` is given, a shorter value. Other environments keep their
 * own (looser) rules, so tests and development need no strong secrets.
 */
export function IsProductionSecret(
  minBytes = 0,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isProductionSecret',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          !inProduction(args) ||
          typeof value !== 'string' ||
          (!isExampleSecret(value) && Buffer.byteLength(value) >= minBytes),
        defaultMessage: (args: ValidationArguments) =>
          minBytes > 0
            ? `${args.property} must not be the .env.example value and must be at least ${minBytes} bytes in production (e.g. openssl rand -base64 48)`
            : `${args.property} must not be the .env.example value in production`,
      },
    });
}
