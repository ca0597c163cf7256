import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import fc from 'fast-check';
import { VALIDATION_PIPE_OPTIONS } from '../../libs/common/src/http/configure-http-app.js';

type Dto = new () => object;

/** Where the DTO comes from: a JSON body or the query string. */
export type DtoSource = 'body' | 'query';

/** The properties a DTO declares through class-validator decorators. */
function declared(dto: Dto): { name: string; optional: boolean }[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(
    dto,
    '',
    true,
    false,
  );
  const names = [...new Set(rules.map((rule) => rule.propertyName))];
  return names.map((name) => ({
    name,
    optional: rules.some(
      (rule) =>
        rule.propertyName === name &&
        rule.type === ValidationTypes.CONDITIONAL_VALIDATION,
    ),
  }));
}

/** Values near what each field wants, and far from it. */
const fieldValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.uuid(),
  fc.emailAddress(),
  fc
    .date({
      noInvalidDate: true,
      min: new Date(-1e14),
      max: new Date(1e14),
    })
    .map((date) => date.toISOString()),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'null',
    '0',
    '1',
    '-1',
    '1e400',
    'NaN',
    'true',
    'EUR',
    '2030-06-01T09:00:00Z',
    '2030-02-30T10:00:00Z',
    '1700000000000-0',
    randomUUID(),
    'Ada@Example.com',
    'Correct-Horse-1',
  ),
);

/**
 * What `express.json()` (strict) can hand a route: an object or an array,
 * as `JSON.parse` builds it.
 */
function bodies(
  keys: readonly string[],
  valid: object = {},
): fc.Arbitrary<unknown> {
  const key = fc.oneof(
    fc.constantFrom(...keys, '__proto__', 'constructor', 'toString', 'x'),
    fc.string(),
  );
  // Near a valid body: some fields removed, a few replaced or added.
  const nearValid = fc
    .tuple(
      fc.subarray(Object.keys(valid)),
      fc.dictionary(key, fieldValue, { maxKeys: 2 }),
    )
    .map(([removed, changed]) => ({
      ...Object.fromEntries(
        Object.entries(valid).filter(([name]) => !removed.includes(name)),
      ),
      ...changed,
    }));
  return fc
    .oneof(
      nearValid,
      fc.dictionary(key, fieldValue, { maxKeys: 8 }),
      fc.dictionary(key, fieldValue, { maxKeys: 8 }).map((body) => ({
        ...Object.fromEntries(keys.map((name) => [name, null])),
        ...body,
      })),
      fc.array(fieldValue, { maxLength: 3 }),
      fc.jsonValue().filter((value) => typeof value === 'object'),
    )
    .map((body) => JSON.parse(JSON.stringify(body)) as unknown);
}

/**
 * What Express 5's `simple` query parser (`node:querystring`) can hand a
 * route: a null-prototype object of strings and arrays of strings.
 */
function queries(keys: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...keys, '__proto__', 'x'), fc.string());
  // JSON for objects: `String({ toString: 0 })` throws, a query string cannot.
  const text = fc.oneof(
    fc.string(),
    fieldValue.map((value) =>
      typeof value === 'object' && value !== null
        ? JSON.stringify(value)
        : String(value),
    ),
  );
  return fc
    .array(fc.tuple(key, fc.oneof(text, fc.array(text, { maxLength: 3 }))), {
      maxLength: 6,
    })
    .map((pairs) => {
      const query = Object.create(null) as Record<string, unknown>;
      for (const [name, value] of pairs) query[name] = value;
      return query;
    });
}

export type Outcome =
  { accepted: true; value: unknown } | { accepted: false; status: number };

/** The global ValidationPipe's verdict, with the options the apps use. */
export async function validate(
  dto: Dto,
  source: DtoSource,
  input: unknown,
): Promise<Outcome> {
  const pipe = new ValidationPipe(VALIDATION_PIPE_OPTIONS);
  try {
    const value: unknown = await pipe.transform(input, {
      type: source,
      metatype: dto,
    });
    return { accepted: true, value };
  } catch (error) {
    // Anything else would reach the client as a 500.
    if (error instanceof BadRequestException) {
      return { accepted: false, status: error.getStatus() };
    }
    throw error;
  }
}

/**
 * Why `value` does not satisfy the types `dto` declares (the emitted
 * `design:type` of each validated property), or null when it does.
 */
export function typeMismatch(
  dto: Dto,
  value: unknown,
  nullMeansAbsent = false,
): string | null {
  if (!(value instanceof dto)) return `not a ${dto.name}: ${typeof value}`;
  const properties = declared(dto);
  const allowed = new Set(properties.map(({ name }) => name));
  for (const key of Object.keys(value)) {
    if (
      !allowed.has(key) &&
      (value as Record<string, unknown>)[key] !== undefined
    ) {
      return `undeclared property ${key}`;
    }
  }
  for (const { name, optional } of properties) {
    const field: unknown = (value as Record<string, unknown>)[name];
    if (field === undefined || (nullMeansAbsent && field === null)) {
      if (!optional) return `${name} is missing`;
      continue;
    }
    const type = Reflect.getMetadata('design:type', dto.prototype, name) as
      (new (...args: never[]) => unknown) | undefined;
    const problem = mismatch(type, field, nullMeansAbsent);
    if (problem) return `${name}: ${problem}`;
  }
  return null;
}

function mismatch(
  type: (new (...args: never[]) => unknown) | undefined,
  field: unknown,
  nullMeansAbsent: boolean,
): string | null {
  switch (type) {
    case undefined:
    case Object:
      return null; // `unknown`, records and unions: no runtime type to check
    case String:
      return typeof field === 'string' ? null : `${typeof field}, not a string`;
    case Number:
      return typeof field === 'number' && Number.isFinite(field)
        ? null
        : `${typeof field === 'number' ? String(field) : typeof field}, not a finite number`;
    case Boolean:
      return typeof field === 'boolean'
        ? null
        : `${typeof field}, not a boolean`;
    case Array:
      return Array.isArray(field) ? null : 'not an array';
    default: {
      const nested = type as Dto;
      return declared(nested).length > 0
        ? typeMismatch(nested, field, nullMeansAbsent)
        : field instanceof type
          ? null
          : `not a ${type.name}`;
    }
  }
}

export interface DtoPropertyOptions {
  numRuns?: number;
  /** A body the DTO accepts, around which bodies are also generated. */
  valid?: object;
  /** Properties of nested DTOs, to be generated as keys too. */
  extraKeys?: readonly string[];
  /**
   * `@IsOptional()` lets `null` through: set where the service reads a
   * null field as not given (`!= null`, `??`), so null is harmless there.
   */
  nullMeansAbsent?: boolean;
}

/**
 * For arbitrary input of the right source, the ValidationPipe either refuses
 * it with a 400 or gives an instance whose fields have their declared types.
 */
export async function checkDtoProperty(
  dto: Dto,
  source: DtoSource,
  options: DtoPropertyOptions = {},
): Promise<void> {
  if (options.valid) {
    const example = await validate(dto, source, options.valid);
    if (!example.accepted) throw new Error(`${dto.name} refuses its example`);
  }
  const keys = [
    ...declared(dto).map(({ name }) => name),
    ...(options.extraKeys ?? []),
  ];
  await fc.assert(
    fc.asyncProperty(
      source === 'body' ? bodies(keys, options.valid) : queries(keys),
      async (input) => {
        const outcome = await validate(dto, source, input);
        if (!outcome.accepted) return outcome.status === 400;
        const problem = typeMismatch(
          dto,
          outcome.value,
          options.nullMeansAbsent,
        );
        if (problem) throw new Error(`accepted ${problem}`);
        return true;
      },
    ),
    { numRuns: options.numRuns ?? 150 },
  );
}
