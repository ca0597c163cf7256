import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  ValidationTypes,
  type MetadataStorage,
  type ValidationArguments,
} from 'class-validator';

/**
 * Says whether class-validator would accept a plain payload, cheaply: `true`
 * only when it would (`validateSync(plainToInstance(cls, data), { whitelist:
 * true, forbidNonWhitelisted: true })` gives no error); `false` when it would
 * not, or when the check cannot tell. A `false` sends the payload to
 * class-validator itself, which has the last word and writes the messages.
 */
export type PayloadCheck = (data: object) => boolean;

type Metadata = ReturnType<
  MetadataStorage['getTargetValidationMetadatas']
>[number];

interface PropertyCheck {
  name: string;
  /** `@IsOptional`, `@ValidateIf`: all true, or the property is skipped. */
  conditions: Array<(object: object, value: unknown) => boolean>;
  validators: Array<{
    metadata: Metadata;
    validate: (value: unknown, args: ValidationArguments) => unknown;
  }>;
  /** `@ValidateNested` with `@Type`: the nested class's check. */
  nested?: () => PayloadCheck;
}

type PayloadClass = new () => object;

const never: PayloadCheck = () => false;
const compiled = new Map<PayloadClass, PayloadCheck>();

/**
 * The check of a payload class, compiled once from its class-validator
 * metadata: the same constraint functions class-validator calls, without
 * its per-call metadata lookups, error objects and the class-transformer
 * copy. Covers what the catalogue uses (custom and built-in constraints,
 * `@IsOptional`/`@ValidateIf`, `@IsDefined`, `@ValidateNested` with `@Type`,
 * the whitelist); anything else (groups, `each`, async constraints,
 * promises, other class-transformer decorators, defaults, inheritance, a
 * value that is not plain JSON) makes it answer `false`, which only costs
 * time.
 */
export function compiledPayloadCheck(payloadClass: PayloadClass): PayloadCheck {
  let check = compiled.get(payloadClass);
  if (!check) {
    // Placeholder first: a class that nests itself refers to it.
    compiled.set(payloadClass, never);
    check = compile(payloadClass);
    compiled.set(payloadClass, check);
  }
  return check;
}

function compile(payloadClass: new () => object): PayloadCheck {
  const storage = getMetadataStorage();
  if (Object.getPrototypeOf(payloadClass) !== Function.prototype) return never;
  if (Object.getOwnPropertyNames(payloadClass.prototype).length !== 1) {
    return never; // accessors or methods change what class-transformer copies
  }
  // The arguments validateSync passes: no schema, no groups.
  const metadatas = storage.getTargetValidationMetadatas(
    payloadClass,
    undefined as unknown as string,
    false,
    false,
    undefined,
  );
  if (metadatas.length === 0) return never; // forbidUnknownValues rejects it
  const grouped = storage.groupByPropertyName(metadatas);
  const allowed = new Set(
    Object.keys(grouped).filter((name) => grouped[name].length > 0),
  );
  // plainToInstance starts from `new payloadClass()`: its own fields are
  // validated (and whitelisted) even when the payload lacks them.
  const template = new payloadClass() as Record<string, unknown>;
  for (const [name, value] of Object.entries(template)) {
    if (!allowed.has(name) || value !== undefined) return never;
  }
  const properties: PropertyCheck[] = [];
  for (const name of allowed) {
    const property = compileProperty(payloadClass, name, grouped[name]);
    if (!property) return never;
    properties.push(property);
  }
  const targetName = payloadClass.name;

  return (data) => {
    const proto: unknown = Object.getPrototypeOf(data);
    if (proto !== Object.prototype && proto !== null) return false;
    const object = data as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (!allowed.has(key)) return false;
    }
    for (const property of properties) {
      const value = object[property.name];
      if (!isPlain(value, property.nested !== undefined)) return false;
      if (!property.conditions.every((holds) => holds(object, value))) {
        continue;
      }
      for (const { metadata, validate } of property.validators) {
        if (metadata.validateIf && !metadata.validateIf(object, value)) {
          continue;
        }
        const args: ValidationArguments = {
          targetName,
          property: metadata.propertyName,
          object,
          value,
          constraints: metadata.constraints,
        };
        if (!validate(value, args)) return false;
      }
      if (property.nested && value !== undefined) {
        if (value === null || !property.nested()(value)) return false;
      }
    }
    return true;
  };
}

function compileProperty(
  payloadClass: new () => object,
  name: string,
  metadatas: Metadata[],
): PropertyCheck | undefined {
  const storage = getMetadataStorage();
  const property: PropertyCheck = { name, conditions: [], validators: [] };
  for (const metadata of metadatas) {
    if (metadata.each || metadata.groups?.length) return undefined;
    switch (metadata.type) {
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(
          metadata.constraints[0] as PropertyCheck['conditions'][number],
        );
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION:
        for (const constraint of storage.getTargetValidatorConstraints(
          metadata.constraintCls,
        )) {
          if (constraint.async) return undefined;
          const instance = constraint.instance;
          property.validators.push({
            metadata,
            validate: (value, args) => instance.validate(value, args),
          });
        }
        break;
      case ValidationTypes.NESTED_VALIDATION: {
        const nestedClass = nestedType(payloadClass, name);
        if (!nestedClass || property.nested) return undefined;
        property.nested = () => compiledPayloadCheck(nestedClass);
        break;
      }
      default:
        return undefined;
    }
  }
  if (!property.nested && !copiedAsIs(payloadClass, name)) return undefined;
  return property;
}

/** The class `@Type` gives a nested property, from class-transformer itself. */
function nestedType(
  payloadClass: new () => object,
  name: string,
): PayloadClass | undefined {
  const probe = (
    plainToInstance(payloadClass, { [name]: {} }) as Record<string, unknown>
  )[name];
  const type = (probe as object | undefined)?.constructor;
  return type && type !== Object ? (type as PayloadClass) : undefined;
}

/**
 * class-transformer leaves the property's plain values as they are (no
 * `@Transform`, `@Exclude` or renaming `@Expose`).
 */
function copiedAsIs(payloadClass: new () => object, name: string): boolean {
  return ['probe', 7, true, null].every(
    (value) =>
      (
        plainToInstance(payloadClass, { [name]: value }) as Record<
          string,
          unknown
        >
      )[name] === value,
  );
}

/** A JSON scalar, or a plain object where a nested class is expected. */
function isPlain(value: unknown, nested: boolean): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object': {
      if (value === null || !nested) return value === null;
      const proto: unknown = Object.getPrototypeOf(value);
      return proto === Object.prototype || proto === null;
    }
    default:
      return false;
  }
}
