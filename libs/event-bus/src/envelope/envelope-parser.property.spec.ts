import { EVENT_CATALOGUE, EVENT_TYPES, isEventType } from '@app/contracts';
import fc from 'fast-check';
import { validEnvelope } from '../../../../test/support/event-arbitraries.js';
import { parseEnvelope } from './envelope-parser.js';
import { assertValidPayload } from './payload-validation.js';

const RUNS = { numRuns: 200 };
const channel = fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string());
/** An envelope of the wire, with any one attribute removed or replaced. */
const ATTRIBUTES = [
  'specversion',
  'id',
  'type',
  'source',
  'time',
  'datacontenttype',
  'data',
  'correlationid',
  'dataversion',
] as const;
type Attribute = (typeof ATTRIBUTES)[number];
const REPLACEMENTS = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string(),
  fc.constantFrom('', '1.0', 1, '2030-06-01T09:00:00Z', 'not a date', null),
);
/** RFC 3339, as CloudEvents requires of `time`. */
const RFC_3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether the envelope still means what a valid one means. */
function stillValid(name: Attribute, value: unknown, type: string): boolean {
  switch (name) {
    case 'specversion':
      return value === '1.0';
    case 'type':
      return value === type;
    case 'id':
    case 'source':
    case 'correlationid':
      return typeof value === 'string' && value !== '';
    case 'time':
      return typeof value === 'string' && RFC_3339.test(value);
    case 'dataversion':
      return isEventType(type) && value === EVENT_CATALOGUE[type].version;
    case 'data':
      try {
        assertValidPayload(type, value);
        return true;
      } catch {
        return false;
      }
    case 'datacontenttype':
      return true; // not read by consumers: JSON is the only encoding
  }
}

describe('parseEnvelope (properties)', () => {
  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        channel,
        fc.oneof(fc.anything(), fc.jsonValue(), fc.object()),
        (name, raw) => {
          const result = parseEnvelope(name, raw);
          return result.ok || typeof result.reason === 'string';
        },
      ),
      RUNS,
    );
  });

  it('accepts only envelopes with the required attributes and a known type', () => {
    const candidates = fc.oneof(
      fc.object(),
      validEnvelope,
      fc
        .tuple(validEnvelope, fc.dictionary(fc.string(), fc.jsonValue()))
        .map(([envelope, extra]) => ({ ...extra, ...envelope })),
    );
    fc.assert(
      fc.property(candidates, (raw) => {
        const type = (raw as { type?: unknown }).type;
        const result = parseEnvelope(String(type), raw);
        if (!result.ok) return true;
        const { envelope } = result;
        expect(envelope.specversion).toBe('1.0');
        for (const name of ['id', 'source', 'time', 'correlationid'] as const) {
          expect(typeof envelope[name]).toBe('string');
          expect(envelope[name]).not.toBe('');
        }
        expect(isEventType(envelope.type)).toBe(true);
        expect(envelope.dataversion).toBe(
          EVENT_CATALOGUE[envelope.type as keyof typeof EVENT_CATALOGUE]
            .version,
        );
        return true;
      }),
      RUNS,
    );
  });

  it('refuses a valid envelope with one attribute removed or changed, unless harmlessly', () => {
    const mutation = fc.record({
      envelope: validEnvelope,
      name: fc.constantFrom(...ATTRIBUTES),
      replacement: fc.option(REPLACEMENTS, { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ envelope, name, replacement }) => {
        const wire = JSON.parse(JSON.stringify(envelope)) as Record<
          string,
          unknown
        >;
        if (replacement === undefined) delete wire[name];
        else wire[name] = replacement;
        const result = parseEnvelope(envelope.type, wire);
        const valid =
          name === 'datacontenttype' ||
          (replacement !== undefined &&
            stillValid(name, replacement, envelope.type));
        expect(result.ok).toBe(valid);
      }),
      RUNS,
    );
  });

  // Date.parse alone once accepted "1", "2030" and "Sat Jun 01 2030".
  it('accepts only an RFC 3339 time', () => {
    fc.assert(
      fc.property(
        validEnvelope,
        fc.oneof(fc.string(), fc.constantFrom('1', '2030', 'Sat Jun 01 2030')),
        (envelope, time) => {
          const result = parseEnvelope(envelope.type, { ...envelope, time });
          expect(result.ok).toBe(RFC_3339.test(time));
        },
      ),
      RUNS,
    );
  });
});
