import { canonicalForm } from './canonical-form.js';

describe('canonicalForm', () => {
  it('is the RFC 8785 serialisation: keys sorted, no spaces, numbers as ECMAScript writes them', () => {
    const bytes = canonicalForm(
      { b: 1e21, a: { d: 'é', c: [3, 0.1] }, signature: 'x' },
      ['signature'],
    );
    expect(bytes.toString('utf8')).toBe(
      '{"a":{"c":[3,0.1],"d":"é"},"b":1e+21}',
    );
  });

  it('gives the same bytes for an envelope and its parsed wire copy', () => {
    const envelope = { id: '1', data: { n: 1.5, missing: undefined }, z: 'é' };
    const wire = JSON.parse(JSON.stringify(envelope)) as object;
    expect(canonicalForm(wire, [])).toEqual(canonicalForm(envelope, []));
  });

  it('leaves out only the attributes named', () => {
    const text = canonicalForm(
      { signature: 's', signaturekeyid: 'k', id: '1' },
      ['signature', 'signaturekeyid'],
    ).toString();
    expect(text).toBe('{"id":"1"}');
  });
});
