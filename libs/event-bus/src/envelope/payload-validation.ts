import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EVENT_CATALOGUE, isEventType, type EventType } from '@app/contracts';
import {
  EventValidationError,
  UnknownEventTypeError,
} from '../errors/event-validation.error.js';

/** Flattens nested class-validator errors to "field.path must ..." lines. */
export function describeValidationErrors(
  errors: ValidationError[],
  parentPath = '',
): string[] {
  return errors.flatMap((error) => {
    const path = parentPath
      ? `${parentPath}.${error.property}`
      : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? `${path}${message.slice(error.property.length)}`
        : `${path}: ${message}`,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/**
 * Checks `data` against the payload class of `type` in the catalogue: unknown
 * and missing fields, wrong types. Throws `UnknownEventTypeError` or
 * `EventValidationError` naming every failing field.
 */
export function assertValidPayload(type: string, data: unknown): EventType {
  if (!isEventType(type)) throw new UnknownEventTypeError(type);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new EventValidationError(type, ['the payload must be a JSON object']);
  }
  const payloadClass: new () => object = EVENT_CATALOGUE[type].payload;
  const instance = plainToInstance(payloadClass, data);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  if (errors.length > 0) {
    throw new EventValidationError(type, describeValidationErrors(errors));
  }
  return type;
}
